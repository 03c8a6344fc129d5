#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test) for process memory dumps (docs/memory.md): prints numbers for notes,
# never fails on them. For each size S (MiB), the test child touches S MiB of heap (a pattern,
# not zeros) and irsnap dumps it (`--collectors memory --no-memory-regions --dump-pid`):
#   directory: a bundle on a tmpfs (spooled: the process is stopped while its memory is read
#              into the encrypted spool; the deflated ZIP is written after);
#   stream:    `-o -` into a file on the tmpfs (stored ZIP; stopped for the whole write);
# and reports the dump's size, irsnap's wall time, throughput (dump bytes / wall time), the
# stop (freeze_ms, and per GiB) and irsnap's peak RSS (GNU time %M), median of R runs.
#   tests/bench/bench_memory.sh [--binary PATH] [--child PATH] [--runs R] [--sizes "1024 2048"]
#                               [--dir TMPFS_DIR]
# Needs root (ptrace of another user's process is not needed, but CAP_SYS_PTRACE keeps Yama out
# of the way), jq and GNU time; the tmpfs needs twice the largest size free.
set -euo pipefail
binary=build/irsnap child=build/tests/irsnap_test_child runs=3 sizes="1024 2048" dir=/dev/shm
while (($#)); do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --child) child=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--child PATH] [--runs R] [--sizes LIST] [--dir DIR]" >&2
       exit 2 ;;
  esac
done
[[ -x "$binary" ]] || { echo "no $binary: run scripts/build.sh first" >&2; exit 2; }
[[ -x "$child" ]] || { echo "no $child: build the tests (irsnap_test_child)" >&2; exit 2; }
if ! command -v jq >/dev/null || [[ ! -x /usr/bin/time ]]; then
  apt-get install -y -qq --no-install-recommends jq time >/dev/null
fi

work=$(mktemp -d "$dir/irsnap-bench-memory.XXXXXX")
child_pid=
cleanup() {
  [[ -n "$child_pid" ]] && kill "$child_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

median() {
  sort -g | awk '{a[NR]=$1} END {print (NR == 0 ? "-" : NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}

printf '%-9s %-9s %9s %8s %9s %10s %11s %8s\n' size_mib mode dump_mib wall_s mb_per_s freeze_ms \
  stop_s_gib rss_mb
for size in $sizes; do
  fifo=$work/ready
  mkfifo "$fifo"
  "$child" --irsnap-test-memory bench-marker "$size" >"$fifo" &
  child_pid=$!
  read -r _ <"$fifo"
  rm -f "$fifo"
  for mode in directory stream; do
    walls=() rates=() freezes=() stops=() rsss=() dump_mib=
    for ((i = 0; i < runs; i++)); do
      out=$work/out
      rm -rf "$out" "$work/unpacked" "$work/bundle.tar"
      args=(-q --collectors memory --no-memory-regions --dump-pid "$child_pid")
      if [[ $mode == directory ]]; then
        /usr/bin/time -f '%e %M' -o "$work/time" "$binary" -o "$out" "${args[@]}" || true
        records=$(ls "$out"/*/artifacts/*_memory.jsonl)
      else
        /usr/bin/time -f '%e %M' -o "$work/time" "$binary" -o - "${args[@]}" \
          >"$work/bundle.tar" || true
        mkdir -p "$work/unpacked"
        "$binary" unpack "$work/bundle.tar" "$work/unpacked" >/dev/null
        records=$(ls "$work"/unpacked/*/artifacts/*_memory.jsonl)
      fi
      # GNU time writes "Command exited with non-zero status 1" first for a partial run.
      read -r wall rss < <(tail -1 "$work/time")
      read -r bytes freeze < <(jq -r 'select(.kind=="dump") | "\(.size) \(.freeze_ms)"' "$records")
      dump_mib=$(awk -v b="$bytes" 'BEGIN {printf "%.0f", b / 1048576}')
      walls+=("$wall")
      rates+=("$(awk -v b="$bytes" -v w="$wall" 'BEGIN {printf "%.0f", b / 1e6 / w}')")
      freezes+=("$freeze")
      stops+=("$(awk -v f="$freeze" -v b="$bytes" 'BEGIN {printf "%.2f", f / 1000 / (b / 1073741824)}')")
      rsss+=("$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')")
    done
    printf '%-9s %-9s %9s %8s %9s %10s %11s %8s\n' "$size" "$mode" "$dump_mib" \
      "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${rates[@]}" | median)" \
      "$(printf '%s\n' "${freezes[@]}" | median)" "$(printf '%s\n' "${stops[@]}" | median)" \
      "$(printf '%s\n' "${rsss[@]}" | median)"
  done
  kill "$child_pid"
  wait "$child_pid" 2>/dev/null || true
  child_pid=
done
