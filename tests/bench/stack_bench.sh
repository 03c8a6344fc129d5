#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test): `irsnap stack` over N synthetic bundles of a busy host
# (tests/bench/stack_bundles.py), for each N given: wall time, CPU, peak RSS and bytes read.
# Prints one table; numbers go into docs/performance.md, never into assertions. Exits non-zero
# only when the setup fails (no binary, a bundle that does not verify, the planted binary not
# found first).
#   tests/bench/stack_bench.sh [--binary PATH] [--dir DIR] [--keep] [--unique K] N...
# (default N: 100 1000). --unique K gives every host K autorun entries of its own (see the
# generator), so the distinct items, and the memory they take, grow with N.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=build/irsnap dir="" keep=0 unique=0 sizes=()
while (($#)); do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --unique) unique=$2; shift 2 ;;
    [0-9]*) sizes+=("$1"); shift ;;
    *) echo "usage: $0 [--binary PATH] [--dir DIR] [--keep] [--unique K] N..." >&2; exit 2 ;;
  esac
done
((${#sizes[@]})) || sizes=(100 1000)
[[ -x "$binary" ]] || { echo "no $binary: build irsnap first" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 2; }

if [[ -z "$dir" ]]; then dir=$(mktemp -d /tmp/irsnap-stack-bench.XXXXXX); fi
cleanup() { ((keep)) || rm -rf "$dir"; }
trap cleanup EXIT

printf '%6s %7s %9s %8s %8s %8s %12s %9s\n' bundles items read_GB wall_s user_s sys_s peak_rss_MB \
  MB_per_s
for n in "${sizes[@]}"; do
  set_dir="$dir/n${n}u$unique"
  if [[ ! -d "$set_dir/bundles" ]]; then
    mkdir -p "$set_dir"
    python3 "$here/stack_bundles.py" "$set_dir" "$n" --unique "$unique" 2>"$set_dir/gen.log"
  fi
  # The generator's bundles must verify, or the figures would be of an error path.
  first=$(find "$set_dir/bundles" -mindepth 1 -maxdepth 1 -type d -print -quit)
  "$binary" verify "$first" >/dev/null || { echo "$first does not verify" >&2; exit 1; }
  # Bytes stack reads: every artifact (hard links count once per bundle, as they are read).
  bytes=$(find "$set_dir/bundles" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
  # Page cache warm, as on an analyst's machine right after copying the bundles in.
  "$binary" stack "$set_dir/bundles" --only kmod >/dev/null
  rc=0
  /usr/bin/time -v -o "$set_dir/time.txt" "$binary" stack "$set_dir/bundles" --top 5 \
    >"$set_dir/out.txt" || rc=$?
  ((rc == 0)) || { echo "irsnap stack exited $rc (see $set_dir/out.txt)" >&2; exit 1; }
  first_exe=$(awk '/^== exe:/ {getline; print; exit}' "$set_dir/out.txt")
  [[ "$first_exe" == *"/dev/shm/.x/kworkerd"* && "$first_exe" =~ ^\ +1\  ]] ||
    { echo "planted binary not first in exe: $first_exe" >&2; exit 1; }
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
          for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$set_dir/time.txt")
  user=$(awk -F': ' '/User time/ {print $2}' "$set_dir/time.txt")
  sys=$(awk -F': ' '/System time/ {print $2}' "$set_dir/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$set_dir/time.txt")
  # Distinct items over all categories, from the "(N items" of each category heading.
  items=$(sed -n 's/^== .*(\([0-9]*\) items\{0,1\}.*/\1/p' "$set_dir/out.txt" |
    awk '{s += $1} END {print s}')
  awk -v n="$n" -v i="$items" -v b="$bytes" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" '
    BEGIN {
    printf "%6d %7d %9.2f %8.2f %8.2f %8.2f %12.1f %9.0f\n", n, i, b / 1e9, w, u, s, r / 1024,
      (w > 0 ? b / 1e6 / w : 0) }'
done
echo "(first exe item of the last run: $(tr -s ' ' <<<"$first_exe"))"
