# shellcheck shell=sh
# SPDX-License-Identifier: Apache-2.0
# physical-memory: no rootkit. A process holds a 32-byte marker (A xor B, formed in one locked
# page) and says its physical address; irsnap collects with --physical-memory as a tar stream
# written straight onto the shipping disk (the guest's own RAM could not hold an image of itself
# and 256 MiB to spare). Sourced by /init.
# shellcheck disable=SC2034  # read by /init
SHIP_STREAM=1
COLLECT_ARGS="--physical-memory --collectors system,processes,physical_memory"
hex32() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

scenario_run() {
  # Compaction may move locked pages (and leave the old copy behind): not during this test.
  echo 0 >/proc/sys/vm/compact_unevictable_allowed
  a=$(hex32)
  b=$(hex32)
  lab_say "MARKER-A $a"
  lab_say "MARKER-B $b"
  lab_marker "$a" "$b" >/tmp/marker.out &
  i=0
  while ! grep -q ready /tmp/marker.out 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  prove marker-ready grep -q ready /tmp/marker.out
  lab_say "MARKER-PHYS $(sed -n 's/^PHYS //p' /tmp/marker.out)"
  prove kcore-readable test -r /proc/kcore
  # The System RAM ranges the host compares the image's ranges with (top-level lines only).
  grep ': System RAM$' /proc/iomem | grep -v '^ ' | while read -r range _; do
    lab_say "IOMEM-RAM $range"
  done
}
