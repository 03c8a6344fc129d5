#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test) for specimens (issue 16): prints numbers for notes, never fails on them.
#   1. the default run with and without specimens on the bench load (N processes holding F
#      descriptors each, a quarter of them deleted files in /dev/shm: every one a candidate),
#      plus K planted deleted programs in /tmp;
#   2. copy speed from the page cache: one M MiB file named with --collect-file;
#   3. peak RSS of a samples-only run copying a 1 MiB file against one copying M MiB.
#   tests/bench/bench_samples.sh [--binary PATH] [--load PATH] [--procs N] [--fds F]
#                                [--planted K] [--runs R] [--mib M]
set -euo pipefail
binary=build/irsnap load=build/tests/irsnap_bench_load procs=1000 fds=50 planted=5 runs=5 mib=512
while (($#)); do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    --procs) procs=$2; shift 2 ;;
    --fds) fds=$2; shift 2 ;;
    --planted) planted=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--load PATH] [--procs N] [--fds F] [--planted K] [--runs R] [--mib M]" >&2; exit 2 ;;
  esac
done
[[ -x "$binary" ]] || { echo "no $binary: run scripts/build.sh first" >&2; exit 2; }
[[ -x "$load" ]] || { echo "no load generator $load (cmake --build BUILD --target irsnap_bench_load)" >&2; exit 2; }
command -v jq >/dev/null && [[ -x /usr/bin/time ]] || apt-get install -y -qq --no-install-recommends jq time >/dev/null

work=$(mktemp -d /var/tmp/irsnap-bench-samples.XXXXXX)
pids=() gen=
cleanup() {
  ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null || true
  [[ -n "$gen" ]] && kill -TERM -- "-$gen" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# ---- the load, and K planted deleted programs with unique bytes
setsid "$load" --procs "$procs" --fds "$fds" --sockets 4 > "$work/gen.out" 2>/dev/null &
gen=$!
for _ in $(seq 100); do grep -q ready "$work/gen.out" 2>/dev/null && break; sleep 0.2; done
grep -q ready "$work/gen.out" || { echo "the load did not come up" >&2; exit 1; }
mkdir -p /tmp/irsnap-bench-planted
for ((i = 0; i < planted; i++)); do
  f=/tmp/irsnap-bench-planted/dropper$i
  cp /bin/sleep "$f"; printf 'bench-%s-%s' "$i" "$RANDOM" >> "$f"
  "$f" 600 & pids+=($!)
done
sleep 0.5
rm -rf /tmp/irsnap-bench-planted

run() {  # label, options...: median wall, peak RSS
  local label=$1; shift
  local times=() rss=()
  for ((r = 0; r < runs; r++)); do
    local start=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$work/t" "$binary" -o "$work/out" -q "$@" || true
    local end=$EPOCHREALTIME
    times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f", b - a}')")
    rss+=("$(tail -n 1 "$work/t")")
    rm -rf "$work/last"
    mv "$(ls -d "$work"/out/*_*/ | head -1)" "$work/last"
  done
  printf '%-28s %9s %10s\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" \
    "$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)"
}

echo "load: $procs processes x $fds descriptors, $planted planted deleted programs; $runs runs each"
printf '%-28s %9s %10s\n' mode median_s peak_rss_kb
"$binary" -o "$work/out" -q >/dev/null 2>&1 || true; rm -rf "$work"/out/*  # warm-up
run "default, --no-samples" --no-samples
run "default (specimens on)"
jq -r 'select(.name=="samples") | "samples collector: \(.duration_ms|floor) ms, \(.records) records, status \(.status)"' \
  <(jq -c '.collectors[]' "$work/last/manifest.json")
jq -r '"specimens: \(.status) \(.size) bytes \(.reasons|join(",")) \(.path // "(no path)") x\(.source_count)"' \
  "$work"/last/artifacts/*_samples.jsonl | sort | uniq -c | sort -rn | head -15
kill -TERM -- "-$gen" 2>/dev/null || true; gen=

# ---- copy speed from the page cache, and memory whatever the size
big=$work/big.bin small=$work/small.bin
head -c $((mib << 20)) /dev/urandom > "$big"; head -c $((1 << 20)) /dev/urandom > "$small"
cat "$big" "$small" > /dev/null  # into the page cache
limits=(--max-sample-bytes $(((mib + 1) << 20)) --max-evidence-bytes $(((mib + 1) << 20)))
echo
printf '%-28s %9s %10s %10s\n' "samples only" median_s peak_rss_kb copy_MB_s
for f in "$small" "$big"; do
  times=() rss=() speeds=()
  for ((r = 0; r < runs; r++)); do
    /usr/bin/time -f '%M' -o "$work/t" "$binary" -o "$work/out" -q --collectors samples \
      --collect-file "$f" "${limits[@]}" || true
    b=$(ls -d "$work"/out/*_*/ | head -1)
    ms=$(jq '.collectors[] | select(.name=="samples") | .duration_ms' "$b/manifest.json")
    bytes=$(stat -c %s "$f")
    speeds+=("$(awk -v b="$bytes" -v ms="$ms" 'BEGIN {printf "%.0f", b / 1e6 / (ms / 1000)}')")
    times+=("$(awk -v ms="$ms" 'BEGIN {printf "%.4f", ms / 1000}')")
    rss+=("$(tail -n 1 "$work/t")")
    rm -rf "$b"
  done
  printf '%-28s %9s %10s %10s\n' "$(basename "$f") ($(( $(stat -c %s "$f") >> 20 )) MiB)" \
    "$(printf '%s\n' "${times[@]}" | median)" "$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)" \
    "$(printf '%s\n' "${speeds[@]}" | median)"
done
