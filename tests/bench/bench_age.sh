#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test) for the age format (include/base/irsnap/age.hpp): prints numbers for
# notes, never fails on them. irsnap_bench_age (tests/bench/age_throughput.cpp) seals a MIB MiB
# stream (default 2048: the issue's 2 GiB) generated 1 MiB at a time and reports, median of R
# runs, MB/s (10^6 bytes) of:
#   raw_evp     OpenSSL's EVP_chacha20_poly1305 over the same 64 KiB chunks (the ceiling)
#   chachapoly  age::crypto::ChaChaPoly::seal, the wrapper STREAM calls
#   encrypt     age::Encryptor, output discarded
#   enc+dec     Encryptor feeding a Decryptor in the same process
#   decrypt     age::Decryptor over the sealed file read back from DIR in 1 MiB reads
# and the program's peak RSS (getrusage ru_maxrss, the largest over the runs). Where `age` is
# installed (Debian: apt-get install age), `age -d` on the same file is timed too (wall and peak
# RSS from GNU time) for comparison; the script installs nothing for it.
#   tests/bench/bench_age.sh [--binary PATH] [--runs R] [--mib MIB] [--dir DIR]
# Build: cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DIRSNAP_STATIC=OFF \
#          -DIRSNAP_BUILD_TESTS=ON -DIRSNAP_UNIT_TESTS=OFF && ninja -C build-bench irsnap_bench_age
# DIR (default /dev/shm) needs MIB MiB free for the sealed file.
set -euo pipefail
binary=build-bench/tests/irsnap_bench_age runs=3 mib=2048 dir=/dev/shm
while (($#)); do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--runs R] [--mib MIB] [--dir DIR]" >&2
       exit 2 ;;
  esac
done
[[ -x "$binary" ]] || { echo "no $binary: build irsnap_bench_age (Release)" >&2; exit 2; }
if [[ ! -x /usr/bin/time ]]; then
  apt-get install -y -qq --no-install-recommends time >/dev/null
fi
age_bin=$(command -v age || true)

work=$(mktemp -d "$dir/irsnap-bench-age.XXXXXX")
trap 'rm -rf "$work"' EXIT

median() {
  sort -g | awk '{a[NR]=$1} END {print (NR == 0 ? "-" : NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}
range() { sort -g | awk 'NR == 1 {lo=$1} {hi=$1} END {printf "%s-%s", lo, hi}'; }

declare -A rates=()
rss_max=0 age_walls=() age_rsss=()
for ((i = 0; i < runs; i++)); do
  "$binary" "$mib" --out "$work/sealed.age" --identity "$work/key.txt" >"$work/out.txt"
  while read -r phase _ _ _ _ rate _; do
    rates[$phase]+="$rate "
  done < <(grep -E '^(raw_evp|chachapoly|encrypt|enc\+dec|decrypt) ' "$work/out.txt")
  rss=$(awk '/^peak_rss/ {print $2}' "$work/out.txt")
  ((rss > rss_max)) && rss_max=$rss
  if [[ -n "$age_bin" ]]; then
    /usr/bin/time -f '%e %M' -o "$work/time" "$age_bin" -d -i "$work/key.txt" \
      "$work/sealed.age" >/dev/null
    read -r wall arss < <(tail -1 "$work/time")
    age_walls+=("$wall")
    age_rsss+=("$arss")
  fi
  rm -f "$work/sealed.age"
done

printf '%s MiB stream, %s run(s), %s\n' "$mib" "$runs" "$(uname -m)"
printf '%-11s %9s %13s\n' phase mb_per_s range
declare -A med=()
for phase in raw_evp chachapoly encrypt enc+dec decrypt; do
  med[$phase]=$(tr ' ' '\n' <<<"${rates[$phase]}" | grep . | median)
  printf '%-11s %9s %13s\n' "$phase" "${med[$phase]}" \
    "$(tr ' ' '\n' <<<"${rates[$phase]}" | grep . | range)"
done
# enc+dec spends 1/enc of its time per byte encrypting; the rest is the decryptor's.
printf '%-11s %9s %13s\n' "dec (diff)" \
  "$(awk -v e="${med[encrypt]}" -v b="${med[enc+dec]}" 'BEGIN {printf "%.0f", 1 / (1 / b - 1 / e)}')" "-"
printf 'peak_rss    %.1f MiB (irsnap_bench_age, largest of the runs)\n' \
  "$(awk -v k="$rss_max" 'BEGIN {print k / 1024}')"
if [[ -n "$age_bin" ]]; then
  wall=$(printf '%s\n' "${age_walls[@]}" | median)
  printf 'age -d      %9.0f MB/s  wall %s s  peak_rss %.1f MiB  (%s)\n' \
    "$(awk -v m="$mib" -v w="$wall" 'BEGIN {print m * 1048576 / 1e6 / w}')" "$wall" \
    "$(printf '%s\n' "${age_rsss[@]}" | sort -g | tail -1 | awk '{print $1 / 1024}')" \
    "$("$age_bin" --version 2>/dev/null || echo age)"
else
  echo "age -d      not installed (apt-get install age), not compared"
fi
