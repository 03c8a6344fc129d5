#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test): wall time and peak RSS of `irsnap collect` on this host, in several
# modes, optionally with N extra sleeping processes as load. Prints one table; numbers go into
# closing notes and docs, never into assertions.
#   tests/bench/bench_collect.sh [--runs R] [--load N] [--binary PATH]
set -euo pipefail
runs=10 load=0 binary=build/irsnap
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    *) echo "usage: $0 [--runs R] [--load N] [--binary PATH]" >&2; exit 2 ;;
  esac
done
[[ -x "$binary" ]] || { echo "no $binary: run scripts/build.sh first" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

out=$(mktemp -d /tmp/irsnap-bench.XXXXXX)
pids=()
cleanup() {
  ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
for ((i = 0; i < load; i++)); do sleep 600 & pids+=($!); done

# mode label | extra options
modes=("default|" "no-hash|--no-hash" "threads-1|--threads 1" "nice|--nice")
printf '%-10s %5s %9s %9s %9s %10s %8s\n' mode runs median_s min_s max_s peak_rss_kb procs
for m in "${modes[@]}"; do
  label=${m%%|*} opts=${m#*|}
  times=() rss=()
  for ((r = 0; r < runs; r++)); do
    # Wall time from bash's microsecond clock (GNU time's %e has 10 ms steps); peak RSS from
    # GNU time, whose file also gets a "Command exited with non-zero status" line on exit 1.
    start=$EPOCHREALTIME
    # shellcheck disable=SC2086
    /usr/bin/time -f '%M' -o "$out/t" "$binary" -o "$out" -q $opts || true
    end=$EPOCHREALTIME
    times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f", b - a}')")
    rss+=("$(tail -n 1 "$out/t")")
    rm -rf "${out:?}"/*_*/
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -g)
  median=$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  min=$(echo "$sorted" | head -1) max=$(echo "$sorted" | tail -1)
  peak=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
  procs=$(ls -d /proc/[0-9]* | wc -l)
  printf '%-10s %5d %9s %9s %9s %10s %8s\n' "$label" "$runs" "$median" "$min" "$max" "$peak" "$procs"
done
