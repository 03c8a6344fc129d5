#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test): the physical_memory collector's pipeline (read, SHA-256 per range and
# per file, deflate or store, ZipCrypto, write) on a host without /proc/kcore, through a proc
# root whose iomem names one System RAM range and whose kcore (laid out like the kernel's: an
# ELF core header, one PT_LOAD with its p_paddr) maps it. Half the "RAM" is random bytes, half
# zeros, as a used host's is roughly. Times a directory bundle (deflated) and a stream (stored)
# and prints MiB/s and peak RSS. The kernel lab measures a real /proc/kcore under QEMU.
#
#   tests/bench/bench_physical_memory.sh [--mib N (default 1024)] [--binary PATH] [--runs R]
set -euo pipefail
mib=1024
binary=build/irsnap
runs=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mib) mib=${2:?}; shift 2 ;;
    --binary) binary=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    *) echo "usage: $0 [--mib N] [--binary PATH] [--runs R]" >&2; exit 2 ;;
  esac
done
[[ -x "$binary" ]] || { echo "no irsnap at $binary (build first)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/irsnap-bench-physmem.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/proc"
bytes=$((mib << 20))
printf '00000000-00000fff : Reserved\n%08x-%08x : System RAM\n' $((1 << 20)) $(((1 << 20) + bytes - 1)) \
  >"$work/proc/iomem"
# ELF64 core header (64 bytes) and one program header (56 bytes), then the data at 4096.
python3 - "$work/proc/kcore" "$bytes" <<'PY'
import struct, sys
path, size = sys.argv[1], int(sys.argv[2])
ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
eh = ident + struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack("<IIQQQQQQ", 1, 7, 4096, 0xffff888000100000, 1 << 20, size, size, 4096)
with open(path, "wb") as f:
    f.write(eh + ph)
    f.seek(4096)
PY
dd if=/dev/urandom bs=1M count=$((mib / 2)) status=none >>"$work/proc/kcore"
truncate -s $((4096 + bytes)) "$work/proc/kcore"
cat "$work/proc/kcore" >/dev/null  # into the page cache: measure irsnap, not the disk

measure() {  # LABEL ARGS...: median seconds and max RSS over the runs
  local label=$1 times=() rss=0
  shift
  for _ in $(seq "$runs"); do
    rm -rf "$work/out" "$work/stream.tar"
    mkdir -p "$work/out"
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
    read -r s k <"$work/time"
    times+=("$s")
    ((k > rss)) && rss=$k
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
  printf '%-28s %6.2f s  %7.1f MiB/s  peak RSS %5.1f MB\n' "$label" "$median" \
    "$(echo "$mib / $median" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}
echo "physical_memory over $mib MiB (half random, half zeros), $runs runs, median:"
measure "directory bundle (deflate)" "$binary" collect -q -o "$work/out" --proc-root "$work/proc" \
  --collectors physical_memory
measure "stream -o - (stored)" sh -c "\"$binary\" collect -q -o - --proc-root \"$work/proc\" \
  --collectors physical_memory >\"$work/stream.tar\""
