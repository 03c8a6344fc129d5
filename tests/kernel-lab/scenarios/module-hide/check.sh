# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Host checks of the hide_pid scenarios. module-hide runs this as is; module-hide-sysfs and
# module-hide-notrace set HIDE_SYSFS=1 (and NOTRACE_INIT=1) and source it.
# shellcheck disable=SC2016  # $p in the filters is jq's variable, not the shell's
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../check-lib.sh
. "$here/../../check-lib.sh"
HIDE_SYSFS=${HIDE_SYSFS:-0}
NOTRACE_INIT=${NOTRACE_INIT:-0}
pid=$(serial_value TARGET | sed -n 's/^pid=\([0-9][0-9]*\)$/\1/p')

echo "guest: the rootkit blinds the guest's own tools"
check "the guest named the pid to hide ($pid)" test -n "$pid"
proven=(baseline-ls-shows-pid baseline-ps-shows-pid ls-proc-hides-pid ps-hides-pid pid-still-alive
        proc-modules-hides-module lsmod-hides-module)
if [[ $HIDE_SYSFS -eq 1 ]]; then proven+=(sysfs-hides-module); else proven+=(sysfs-still-shows-module); fi
if [[ $NOTRACE_INIT -eq 1 ]]; then proven+=(kallsyms-silent-on-module); else proven+=(kallsyms-names-module-init); fi
check_guest_proofs "${proven[@]}"
check "hidden_processes: pid $pid is unlisted_pid, missing from proc" any_record hidden_processes \
  '.kind == "unlisted_pid" and .pid == $p and (.missing_from | index("proc"))' --argjson p "${pid:-0}"
check "hidden_processes: pid $pid seen by the probe" any_record hidden_processes \
  '.kind == "unlisted_pid" and .pid == $p and (.seen_in | index("probe"))' --argjson p "${pid:-0}"
check "hidden_processes: pid $pid in the kernel's task list (iter/task) as lab_implant" \
  any_record hidden_processes \
  '.kind == "unlisted_pid" and .pid == $p and (.seen_in | index("iter/task")) and .kernel_comm == "lab_implant"' \
  --argjson p "${pid:-0}"
check "triage: IRS-HID-001 critical" triage_has IRS-HID-001 critical
# Full records of the hidden process: processes reads the kernel's task list too (its views say
# only iter/task listed it), handles takes it from iter/task_file.
check "processes: pid $pid has its record, listed by iter/task only, exe lab_implant" \
  any_record processes '.pid == $p and .views == ["iter/task"] and (.exe_path | endswith("lab_implant"))' \
  --argjson p "${pid:-0}"
check "handles: pid $pid has its descriptors" any_record handles '.pid == $p' --argjson p "${pid:-0}"
in_processes=$(records processes | jq -s --argjson p "${pid:-0}" 'map(select(.pid == $p)) | length')
in_handles=$(records handles | jq -s --argjson p "${pid:-0}" 'map(select(.pid == $p)) | length')
echo "  note: records of pid $pid in processes: $in_processes, in handles: $in_handles"

# What irsnap saw of the module. The views: /proc/modules (proc), /sys/module (sysfs), the module
# names of the kernel's symbol table (iter/ksym). list_del empties proc and the module's own
# symbols; ftrace's record of the freed init function keeps the name in the symbol table unless
# the init is notrace; kobject_del empties sysfs.
module_seen=$(records kernel_modules | jq -r -s \
  '[.[] | select(.name == "hide_pid")][0] // empty
   | "in_proc_modules=\(.in_proc_modules) in_sys_module=\(.in_sys_module) in_kernel_symbols=\(.in_kernel_symbols) discrepancy=\(.cross_view_discrepancy)"')
echo "  irsnap kernel_modules on hide_pid: ${module_seen:-no record}"
module_views=()
if [[ $HIDE_SYSFS -eq 0 ]]; then module_views+=(sysfs); fi
if [[ $NOTRACE_INIT -eq 0 ]]; then module_views+=(iter/ksym); fi
if [[ ${#module_views[@]} -eq 0 ]]; then
  check "kernel_modules: no view names hide_pid (the blind spot this scenario shows)" \
    test -z "$module_seen"
  check "triage: no IRS-HID-003 (nothing to raise it from)" not_triage_has IRS-HID-003
else
  check "kernel_modules: hide_pid not in /proc/modules, a discrepancy" any_record kernel_modules \
    '.name == "hide_pid" and .in_proc_modules == false and .cross_view_discrepancy == true'
  check "kernel_modules: hide_pid in /sys/module: $([[ $HIDE_SYSFS -eq 0 ]] && echo true || echo false)" \
    any_record kernel_modules '.name == "hide_pid" and .in_sys_module == $s' \
    --argjson s "$([[ $HIDE_SYSFS -eq 0 ]] && echo true || echo false)"
  check "kernel_modules: hide_pid in the symbol table (iter/ksym): $([[ $NOTRACE_INIT -eq 0 ]] && echo true || echo false)" \
    any_record kernel_modules '.name == "hide_pid" and .in_kernel_symbols == $k' \
    --argjson k "$([[ $NOTRACE_INIT -eq 0 ]] && echo true || echo false)"
  check "triage: IRS-HID-003 critical" triage_has IRS-HID-003 critical
fi
# The hook itself, from ftrace's list: the module's name stays there in every variant.
check "kernel_state: ftrace hook on __x64_sys_getdents64 by module hide_pid" \
  any_record kernel_state '.kind == "ftrace_hook" and .name == "__x64_sys_getdents64" and (.modules | index("hide_pid"))'
check "triage: IRS-KST-008 critical" triage_has IRS-KST-008 critical
taint=$(records kernel_modules | jq -r -s '[.[] | select(.kind == "kernel")][0].tainted // empty')
echo "  note: kernel taint mask recorded: ${taint:-none} (guest said $(serial_value TAINTED))"

technique="ftrace getdents64 hook + list_del"
guest="ls /proc, ps: pid hidden; /proc/modules, lsmod: module hidden"
if [[ $HIDE_SYSFS -eq 1 ]]; then
  technique+=" + kobject_del"
  guest+="; /sys/module: hidden"
else
  guest+="; /sys/module: shown"
fi
if [[ $NOTRACE_INIT -eq 1 ]]; then
  technique+=" + notrace init"
  guest+="; /proc/kallsyms: silent"
else
  guest+="; /proc/kallsyms: names hide_pid_init (ftrace's record)"
fi
seen="pid $pid: probe + iter/task, IRS-HID-001 critical ($in_processes processes, $in_handles handles records)"
if [[ ${#module_views[@]} -gt 0 ]]; then
  seen+="; module: ${module_views[*]}, IRS-HID-003 critical"
else
  seen+="; module: in no module view (kernel taint $taint)"
fi
seen+="; its getdents64 hook: ftrace (enabled_functions names hide_pid), IRS-KST-008 critical"
row "$technique" "$guest" "$seen"
check_done
