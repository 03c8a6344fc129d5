#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test): what the observation window (--observe) costs the host. A load opens
# and closes RATE loopback TCP connections a second (tests/bench/connection_churn.cpp) for the
# middle of a window; irsnap's own CPU time over the load is read from /proc/PID/stat, and the
# bundle's window record says how many events were recorded and lost. With BPF and --no-bpf.
# (The BPF programs run in the load's own time; /proc/stat's totals are not trusted here: in a
# container they need not be the host's.)
#
#   tests/bench/bench_observe.sh [--binary PATH] [--rate N (1000)] [--seconds S (15)]
set -euo pipefail
binary=build/irsnap
rate=1000
seconds=15
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) binary=${2:?}; shift 2 ;;
    --rate) rate=${2:?}; shift 2 ;;
    --seconds) seconds=${2:?}; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--rate N] [--seconds S]" >&2; exit 2 ;;
  esac
done
[[ -x "$binary" ]] || { echo "no irsnap at $binary (build first)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "needs root (BPF, packet capture)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/irsnap-bench-observe.XXXXXX")
trap 'rm -rf "$work"' EXIT
c++ -std=c++20 -O2 -pthread -o "$work/churn" "$here/connection_churn.cpp"
tck=$(getconf CLK_TCK)

proc_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

run_one() {
  local mode=$1 out="$work/out-$1" extra=()
  [[ $mode == no-bpf ]] && extra=(--no-bpf)
  mkdir -p "$out"
  "$binary" collect --collectors activity --observe $((seconds + 6)) -q -o "$out" "${extra[@]}" \
    2>/dev/null &
  local pid=$!
  for _ in $(seq 200); do
    grep -qs "activity: window open" "$out"/*/collection.log && break
    sleep 0.1
  done
  sleep 1
  local p0 p1 made
  p0=$(proc_ticks "$pid")
  made=$("$work/churn" "$rate" "$seconds")
  p1=$(proc_ticks "$pid")
  wait "$pid" || true
  local bundle
  bundle=$(ls -d "$out"/*/)
  python3 - "$bundle" "$mode" "$made" "$((p1 - p0))" "$tck" "$seconds" <<'PY'
import glob, json, sys
bundle, mode, made, proc, tck, secs = sys.argv[1:]
tck, secs = int(tck), float(secs)
recs = [json.loads(l) for l in open(glob.glob(bundle + "artifacts/*_activity.jsonl")[0])]
window = [r for r in recs if r["kind"] == "window"][0]
cap = [r for r in recs if r["kind"] == "capture"]
events = sum(window["events"].values())
conn = window["events"].get("connection", 0)
print(f"{mode:7} load: {made.strip()}; irsnap CPU {100 * int(proc) / tck / secs:.1f}% of one core; "
      f"{events} records ({window['events'].get('connection', 0)} connection, "
      f"{window['events'].get('flow', 0)} flow), {window['events_lost']} events lost; "
      f"packets {cap[0]['packets'] if cap else 0}, dropped {cap[0]['packets_dropped'] if cap else 0}, "
      f"pcap budget reached {cap[0]['budget_reached'] if cap else None}")
PY
}

run_one bpf
# The load's TIME_WAIT sockets live 60 s: the next run must not start among them.
sleep 65
run_one no-bpf
