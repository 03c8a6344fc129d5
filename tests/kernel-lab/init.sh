#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of the kernel lab's guest (lab.sh copies it into the initramfs). It runs as pid 1 of a
# busybox initramfs on Debian's kernel, so it must never exit (the kernel panics when init does):
# every path ends in `poweroff -f`. Lines starting "LAB: " on the serial console are what the host
# reads; everything else is for the reader of the log.
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/lab/bin:/bin:/sbin:/usr/bin:/usr/sbin
# The initramfs has no /dev/console node (making one needs mknod on the build host): mount
# devtmpfs first, then take the console as stdin, stdout and stderr.
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# debugfs and tracefs: where ftrace shows its hooks (enabled_functions) and kprobes are listed.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
hostname lab-guest

lab_say() { echo "LAB: $*"; }
# prove NAME COMMAND...: one PROVEN or NOT-PROVEN line; the host fails the scenario on NOT-PROVEN.
prove() {
  name=$1
  shift
  if "$@"; then lab_say "PROVEN $name"; else lab_say "NOT-PROVEN $name"; fi
}
# observe NAME COMMAND...: what a tool showed, for the results table (no verdict of its own).
observe() {
  name=$1
  shift
  if "$@"; then lab_say "SEEN $name yes"; else lab_say "SEEN $name no"; fi
}
finish() {
  sync
  lab_say "POWEROFF"
  poweroff -f
  sleep 60  # poweroff -f does not return; never let init exit
}

lab_say "BOOTED $(uname -r) scenario=$(cat /lab/scenario-name)"

# The drivers of the disk the bundle goes back on (Debian builds virtio as modules), in the
# dependency order lab.sh computed from modules.dep.
while read -r ko; do
  insmod "/lab/kmod/$ko" || lab_say "ERROR insmod $ko failed"
done </lab/modules.order
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
if [ ! -b /dev/vda ]; then
  lab_say "ERROR no /dev/vda to ship the bundle on"
  finish
fi

# The scenario: defines scenario_run (sets up the rootkit and proves that it blinds the guest's
# own tools) and COLLECT_ARGS.
COLLECT_ARGS=""
. /lab/scenario.sh
scenario_run

# The bundle goes back as a tar stream written from the start of the raw second disk; the host
# reads it with tar, which stops at the end-of-archive blocks.
if [ "${SHIP_STREAM:-0}" = 1 ]; then
  # irsnap's own stream (-o -) straight onto the disk: nothing of the bundle is kept in the
  # guest's RAM. The host verifies it; the guest cannot read a tar back from a block device.
  # shellcheck disable=SC2086  # COLLECT_ARGS is a word list on purpose
  irsnap collect -o - --case-id "kernel-lab-$(cat /lab/scenario-name)" --examiner kernel-lab \
    $COLLECT_ARGS >/dev/vda
  lab_say "COLLECT-EXIT $?"
  lab_say "GUEST-VERIFY-EXIT stream"
  finish
fi
mkdir -p /tmp/out
# shellcheck disable=SC2086  # COLLECT_ARGS is a word list on purpose
irsnap collect -o /tmp/out --case-id "kernel-lab-$(cat /lab/scenario-name)" --examiner kernel-lab \
  $COLLECT_ARGS
lab_say "COLLECT-EXIT $?"
irsnap verify /tmp/out/*/ >/dev/null
lab_say "GUEST-VERIFY-EXIT $?"
tar -cf /dev/vda -C /tmp/out .
lab_say "SHIP-EXIT $?"
finish
