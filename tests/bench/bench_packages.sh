#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test) for package trust (docs/package-trust.md): prints numbers for notes,
# never fails on them. What reading the package databases adds to a default run:
#   1. on this host's dpkg database: `irsnap -o DIR -q` with and without --no-package-check;
#   2. on a synthetic dpkg database (this host's, plus synthetic packages up to P packages and F
#      listed paths), bind-mounted over /var/lib/dpkg in a private mount namespace that dies with
#      the run: the host's own database is never written.
# For each: median wall time and median peak RSS (GNU time '%e %M'), and from the last run's
# packages record (system artifact) index_seconds, paths_indexed and packages_indexed.
#   tests/bench/bench_packages.sh [--binary PATH] [--runs R] [--packages P] [--files F]
# Needs root (unshare -m, mount --bind), jq and GNU time.
set -euo pipefail
binary=build/irsnap runs=5 packages=3000 files=300000
while (($#)); do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --packages) packages=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--runs R] [--packages P] [--files F]" >&2; exit 2 ;;
  esac
done
[[ -x "$binary" ]] || { echo "no $binary: run scripts/build.sh first" >&2; exit 2; }
binary=$(readlink -f "$binary")  # the namespaced runs exec it from sh
[[ -f /var/lib/dpkg/status && -d /var/lib/dpkg/info ]] ||
  { echo "no dpkg database in /var/lib/dpkg: this benchmark is for dpkg hosts" >&2; exit 2; }
((EUID == 0)) || { echo "run as root (a full run, unshare -m and mount --bind need it)" >&2; exit 2; }
command -v unshare >/dev/null || { echo "no unshare (util-linux)" >&2; exit 2; }
if ! command -v jq >/dev/null || [[ ! -x /usr/bin/time ]]; then
  apt-get install -y -qq --no-install-recommends jq time >/dev/null
fi

work=$(mktemp -d /var/tmp/irsnap-bench-packages.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
synth=$work/dpkg

median() {
  sort -g | awk '{a[NR]=$1} END {print (NR == 0 ? "-" : NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}

# ---- the synthetic database: a copy of this host's, then synthetic packages up to the target
mkdir -p "$synth/info"
cp /var/lib/dpkg/status "$synth/status"
[[ -f /var/lib/dpkg/diversions ]] && cp /var/lib/dpkg/diversions "$synth/diversions"
find /var/lib/dpkg/info -maxdepth 1 -type f \( -name '*.list' -o -name '*.md5sums' \) \
  -exec cp -t "$synth/info" {} +
real_packages=$(find "$synth/info" -maxdepth 1 -type f -name '*.list' | wc -l)
# Counted as the index counts them: absolute paths other than "/" and "/.".
real_paths=$(find "$synth/info" -maxdepth 1 -type f -name '*.list' -exec cat {} + |
  awk '/^\// && $0 != "/" && $0 != "/." {n++} END {print n + 0}')
add_packages=$((packages - real_packages)) add_files=$((files - real_paths))
((add_packages > 0 && add_files >= add_packages)) || {
  echo "this host already has $real_packages packages and $real_paths paths: raise --packages/--files" >&2
  exit 2
}
# The generator is seeded with a constant so that every run of the benchmark indexes the same
# database; the digests only have to look like MD5s (the synthetic files do not exist).
awk -v dir="$synth" -v n="$add_packages" -v files="$add_files" 'BEGIN {
  srand(1)
  status = dir "/status"
  printf "\n" >> status  # whatever the copied file ended with, a paragraph starts here
  for (p = 0; p < n; p++) {
    name = sprintf("irsnap-synth-p%04d", p)
    k = int(files / n) + (p < files % n ? 1 : 0)
    printf "Package: %s\nStatus: install ok installed\nPriority: optional\nSection: misc\n" \
      "Installed-Size: %d\nMaintainer: irsnap bench <bench@invalid>\nArchitecture: all\n" \
      "Version: 1.0-%d\nDescription: synthetic package of tests/bench/bench_packages.sh\n\n",
      name, k * 4, p >> status
    list = dir "/info/" name ".list"
    sums = dir "/info/" name ".md5sums"
    for (f = 0; f < k; f++) {
      path = sprintf("usr/share/irsnap-synth/p%04d/f%04d", p, f)
      print "/" path > list
      # mawk prints %x of an int only up to 2^31: 16 bits at a time.
      for (i = 0; i < 8; i++) printf "%04x", int(rand() * 65536) > sums
      printf "  %s\n", path > sums
    }
    close(list)
    close(sums)
  }
}'

# ---- the runs
# run DB OPTIONS...: one run, timed by GNU time inside the namespace for the synthetic database so
# that neither unshare nor the mount is counted. Appends "wall rss index_s paths packages rc" to
# $work/results/<DB>_<check|nocheck>, and "<DB>_<mode> collector ms" per collector to
# $work/collectors (where the added time goes).
run() {
  local db=$1; shift
  local mode=check
  [[ " $* " == *" --no-package-check "* ]] && mode=nocheck
  local rc=0
  local timed=(/usr/bin/time -f '%e %M' -o "$work/t" "$binary" -o "$work/out" -q "$@")
  if [[ "$db" == host ]]; then
    "${timed[@]}" >/dev/null 2>&1 || rc=$?
  else
    # shellcheck disable=SC2016  # $1 and $@ are the inner sh's arguments
    unshare -m --propagation private \
      sh -c 'db=$1; shift; mount --bind "$db" /var/lib/dpkg && exec "$@"' sh "$synth" \
      "${timed[@]}" >/dev/null 2>&1 || rc=$?
  fi
  local bundle
  bundle=$(find "$work/out" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  local rec="- - -"
  if [[ -n "$bundle" ]] && compgen -G "$bundle/artifacts/*_system.jsonl" >/dev/null; then
    rec=$(jq -r 'select(.record_type == "packages")
                 | "\(.index_seconds) \(.paths_indexed) \(.packages_indexed)"' \
      "$bundle"/artifacts/*_system.jsonl | head -n 1)
    [[ -n "$rec" ]] || rec="- - -"
  fi
  if [[ -n "$bundle" && -f "$bundle/manifest.json" ]]; then
    jq -r --arg k "${db}_$mode" '.collectors[] | "\($k) \(.name) \(.duration_ms)"' \
      "$bundle/manifest.json" >> "$work/collectors"
  fi
  # GNU time writes "Command exited with non-zero status N" first when irsnap exits non-zero.
  echo "$(tail -n 1 "$work/t") $rec $rc" >> "$work/results/${db}_$mode"
  rm -rf "$work/out"
}

# field FILE N: the median of the Nth field over the runs ("-" when no run had it)
field() { awk -v n="$2" '$n != "-" {print $n}' "$1" | median; }
# collector_ms KEY NAME: the median duration_ms of one collector over KEY's runs
collector_ms() { awk -v k="$1" -v c="$2" '$1 == k && $2 == c {print $3}' "$work/collectors" | median; }

mkdir -p "$work/results"
: > "$work/collectors"
echo "irsnap: $binary ($("$binary" --version 2>/dev/null | head -n 1 || true))"
echo "host: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg); $runs runs per mode, alternating"
echo "host dpkg database: $real_packages packages, $real_paths listed paths"
echo "synthetic database: +$add_packages packages, +$add_files paths (target $packages / $files)"
echo
echo "commands:"
echo "  host:      /usr/bin/time -f '%e %M' $binary -o DIR -q [--no-package-check]"
echo "  synthetic: unshare -m --propagation private sh -c 'mount --bind SYNTH /var/lib/dpkg &&" \
  "exec /usr/bin/time -f \"%e %M\" $binary -o DIR -q [--no-package-check]'"
echo

for db in host synthetic; do
  run "$db"; run "$db" --no-package-check  # warm-up: page cache, dentries
  rm -f "$work/results/${db}_"*
  sed -i "/^${db}_/d" "$work/collectors"
  for ((r = 0; r < runs; r++)); do
    run "$db"
    run "$db" --no-package-check
  done
done

fmt='%-10s %-18s %7s %11s %7s %8s %7s %8s %3s\n'
# shellcheck disable=SC2059  # one format for the header and the rows
printf "$fmt" database mode wall_s wall_range rss_MB index_s paths packages rc
for db in host synthetic; do
  for mode in check nocheck; do
    f=$work/results/${db}_$mode
    label=$([[ $mode == check ]] && echo "package check" || echo "--no-package-check")
    index=$(field "$f" 3)
    [[ "$index" == - ]] || index=$(printf '%.3f' "$index")
    # shellcheck disable=SC2059
    printf "$fmt" "$db" "$label" "$(printf '%.2f' "$(field "$f" 1)")" \
      "$(awk '{print $1}' "$f" | sort -g | awk 'NR == 1 {a = $1} END {print a "-" $1}')" \
      "$(awk -v k="$(field "$f" 2)" 'BEGIN {printf "%.1f", k / 1024}')" "$index" \
      "$(field "$f" 4)" "$(field "$f" 5)" "$(tail -n 1 "$f" | awk '{print $6}')"
  done
  c=$work/results/${db}_check n=$work/results/${db}_nocheck
  # shellcheck disable=SC2059
  printf "$fmt" "$db" "added by the check" \
    "$(awk -v a="$(field "$c" 1)" -v b="$(field "$n" 1)" 'BEGIN {printf "%+.2f", a - b}')" "" \
    "$(awk -v a="$(field "$c" 2)" -v b="$(field "$n" 2)" 'BEGIN {printf "%+.1f", (a - b) / 1024}')" \
    "" "" "" ""
done
echo
echo "wall_s: median of GNU time's %e (10 ms steps), wall_range: min-max over the runs; rss_MB:"
echo "median of the runs' peak RSS (%M, MiB); index_s, paths, packages: median of the packages"
echo "record's index_seconds, paths_indexed and packages_indexed; rc: irsnap's exit status in the"
echo "last run (1 = a bundle with reduced coverage, as in any run on this host)."

echo
echo "collectors whose median duration_ms moves by 5 ms or more with the check (manifest.json):"
printf '%-10s %-16s %9s %11s %8s\n' database collector check_ms nocheck_ms added
for db in host synthetic; do
  while read -r name; do
    a=$(collector_ms "${db}_check" "$name") b=$(collector_ms "${db}_nocheck" "$name")
    awk -v d="$db" -v n="$name" -v a="$a" -v b="$b" \
      'BEGIN {if (a - b >= 5 || b - a >= 5) printf "%-10s %-16s %9.0f %11.0f %+8.0f\n", d, n, a, b, a - b}'
  done < <(awk -v k="${db}_check" '$1 == k {print $2}' "$work/collectors" | sort -u)
done
