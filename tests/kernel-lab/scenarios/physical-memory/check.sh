# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# physical-memory: the image came back whole, its ranges are /proc/iomem's, the marker is in it
# once at its physical address, and irsnap extract re-hashes it (lime_check.py reads the LiME
# format on its own, not through irsnap's code).
# shellcheck source=../../check-lib.sh
. "$(dirname "$0")/../../check-lib.sh"
scenario_dir=$(cd "$(dirname "$0")" && pwd)
check_guest_proofs marker-ready kcore-readable

echo "host: the physical_memory records"
image() { records physical_memory | jq -s -c 'map(select(.kind == "image"))[0]'; }
check "the image was acquired from /proc/kcore" \
  test "$(image | jq -r '.status + " " + .source')" = "acquired /proc/kcore"
# Holes: only where kcore, which maps whole pages, cannot reach (lime_check.py checks each).

echo "host: irsnap extract and the LiME image"
extracted=$(mktemp -d "${TMPDIR:-/tmp}/irsnap-lab-lime.XXXXXX")
trap 'rm -rf "$extracted"' EXIT
mkdir -p "$extracted/out"
check "irsnap extract writes memory/physical_memory.lime" \
  "$LAB_IRSNAP" extract "$LAB_BUNDLE" "$extracted/out"
mapfile -t iomem < <(serial_value_all IOMEM-RAM)
lime_rc=0
python3 "$scenario_dir/lime_check.py" "$extracted/out/memory/physical_memory.lime" \
  <(records physical_memory) "$(serial_value MARKER-A)" "$(serial_value MARKER-B)" \
  "$(serial_value MARKER-PHYS)" "${iomem[@]}" || lime_rc=$?
check "lime_check.py" test "$lime_rc" = 0

ram_mib=$(( $(image | jq -r .ram_bytes) >> 20 ))
seconds=$(image | jq -r '.seconds | floor')
rate=$(image | jq -r '(.ram_bytes / .seconds / 1048576) | floor')
row "physical memory through /proc/kcore (no rootkit)" \
  "a marker at $(serial_value MARKER-PHYS), ${#iomem[@]} System RAM ranges" \
  "LiME image of ${ram_mib} MiB in ${seconds} s (${rate} MiB/s under TCG): ranges = iomem, marker once at its address"
check_done
