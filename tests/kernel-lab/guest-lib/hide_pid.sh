# shellcheck shell=sh
# SPDX-License-Identifier: Apache-2.0
# Guest side of the hide_pid scenarios (module-hide, -sysfs, -notrace), sourced by /init after
# the scenario's guest.sh set HIDE_SYSFS and NOTRACE_INIT (0 or 1; NOTRACE_INIT: the module was
# built with a notrace init function). It starts the process to hide, loads the
# rootkit, and proves with the guest's own tools (busybox ls, ps, lsmod, cat) that they are blind.
# shellcheck disable=SC2010  # ls is the point: the tool an administrator would run
pid_listed_by_ls() { ls /proc | grep -qx "$1"; }
pid_listed_by_ps() { ps | awk '{print $1}' | grep -qx "$1"; }
module_in_proc_modules() { grep -q '^hide_pid ' /proc/modules; }
module_in_lsmod() { lsmod | grep -q '^hide_pid '; }
module_in_sysfs() { [ -d /sys/module/hide_pid ]; }
module_in_kallsyms() { grep -q '\[hide_pid\]' /proc/kallsyms; }
not() { ! "$@"; }

scenario_run() {
  lab_implant &
  pid=$!
  lab_say "TARGET pid=$pid"
  # Baselines: without them a broken listing would "prove" the hiding.
  prove baseline-ls-shows-pid pid_listed_by_ls "$pid"
  prove baseline-ps-shows-pid pid_listed_by_ps "$pid"
  params="pid=$pid"
  [ "$HIDE_SYSFS" = 1 ] && params="$params hide_sysfs=1"
  # shellcheck disable=SC2086  # params is a word list
  if ! insmod /lab/payload/hide_pid.ko $params; then
    lab_say "NOT-PROVEN insmod-hide_pid"
    return 0
  fi
  prove ls-proc-hides-pid not pid_listed_by_ls "$pid"
  prove ps-hides-pid not pid_listed_by_ps "$pid"
  prove pid-still-alive kill -0 "$pid"
  prove proc-modules-hides-module not module_in_proc_modules
  prove lsmod-hides-module not module_in_lsmod
  if [ "$HIDE_SYSFS" = 1 ]; then
    prove sysfs-hides-module not module_in_sysfs
  else
    prove sysfs-still-shows-module module_in_sysfs
  fi
  # What else the kernel still shows of the rootkit, for the table (not a verdict): the module
  # symbols ftrace keeps for its call sites, and the hook in ftrace's list of patched functions.
  # ftrace keeps the names of freed init functions it could trace; a notrace init leaves none.
  if [ "$NOTRACE_INIT" = 1 ]; then
    prove kallsyms-silent-on-module not module_in_kallsyms
  else
    prove kallsyms-names-module-init module_in_kallsyms
  fi
  grep '\[hide_pid\]' /proc/kallsyms | head -n 5
  observe ftrace-lists-getdents64-hook grep -q getdents64 /sys/kernel/tracing/enabled_functions
  grep getdents64 /sys/kernel/tracing/enabled_functions
  lab_say "TAINTED $(cat /proc/sys/kernel/tainted)"
}
