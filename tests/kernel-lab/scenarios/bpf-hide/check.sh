# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Host checks of bpf-hide: the eBPF rootkit bpf_hide_pid hid lab_implant's pid from every
# getdents64 caller (bpf_probe_write_user from the syscall's exit tracepoint), no module loaded.
# shellcheck disable=SC2016  # $p, $l in the filters are jq's variables, not the shell's
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../check-lib.sh
. "$here/../../check-lib.sh"
pid=$(serial_value TARGET | sed -n 's/^pid=\([0-9][0-9]*\)$/\1/p')
loader=$(serial_value LOADER | sed -n 's/^pid=\([0-9][0-9]*\)$/\1/p')
implant_sha256=$(serial_value IMPLANT-SHA256)

echo "guest: the rootkit blinds the guest's own tools"
check "the guest named the pid to hide ($pid) and the loader ($loader)" test -n "$pid" -a -n "$loader"
check_guest_proofs baseline-ls-shows-pid baseline-ps-shows-pid ls-proc-hides-pid ps-hides-pid \
  pid-still-alive proc-pid-status-still-opens ls-proc-shows-loader no-module-loaded

# The hidden process: the probe and the kernel's task list (a BPF iterator, which getdents64's
# tracepoint never sees) list it, the /proc listing does not (irsnap's own getdents64 calls are
# rewritten too: the hook is in the kernel, for every caller, a static binary included).
check "hidden_processes: pid $pid is unlisted_pid, missing from proc" any_record hidden_processes \
  '.kind == "unlisted_pid" and .pid == $p and (.missing_from | index("proc"))' --argjson p "${pid:-0}"
check "hidden_processes: pid $pid in the kernel's task list (iter/task) as lab_implant" \
  any_record hidden_processes \
  '.kind == "unlisted_pid" and .pid == $p and (.seen_in | index("iter/task")) and .kernel_comm == "lab_implant"' \
  --argjson p "${pid:-0}"
check "triage: IRS-HID-001 critical" triage_has IRS-HID-001 critical
check "processes: pid $pid listed by iter/task only, exe lab_implant, sha256 as the guest's sha256sum" \
  any_record processes \
  '.pid == $p and .views == ["iter/task"] and (.exe_path | endswith("/lab_implant")) and .exe_sha256 == $h' \
  --argjson p "${pid:-0}" --arg h "${implant_sha256:-none}"
check "processes: the loader (pid $loader) listed by proc and iter/task" any_record processes \
  '.pid == $l and (.views | index("proc")) and (.views | index("iter/task"))' --argjson l "${loader:-0}"

# The rootkit itself: the bpf collector's program records, their helpers from the translated
# instructions, their attach points from the loader's perf event descriptors (BPF_TASK_FD_QUERY:
# Debian's 6.1 gives a perf link no attach point of its own), held by the loader.
exit_prog='.kind == "program" and .type == "tracepoint" and (.attach_points | any(.point == "sys_exit_getdents64"))'
check "bpf: a tracepoint program on sys_exit_getdents64 calling probe_write_user" any_record bpf \
  "$exit_prog"' and (.helpers | index("probe_write_user")) and .dangerous_helpers == ["probe_write_user"]'
check "bpf: that program held by the loader (pid $loader, bpf_hide_pid), pinned nowhere" any_record bpf \
  "$exit_prog"' and any(.holders[]; .pid == $l and .process == "bpf_hide_pid") and .pinned == []' \
  --argjson l "${loader:-0}"
check "bpf: a tracepoint program on sys_enter_getdents64 (saves the buffer)" any_record bpf \
  '.kind == "program" and .type == "tracepoint" and (.attach_points | any(.point == "sys_enter_getdents64"))'
# 6.1 reports the perf link without a point; irsnap gives it the point of the loader's perf event
# (bpf::fill_perf_link_points), so the program has one attach point, as on kernels from 6.6.
exit_id=$(records bpf | jq -s "[.[] | select($exit_prog)][0].id // 0")
check "bpf: the perf link of program $exit_id names tracepoint sys_exit_getdents64, held by the loader" \
  any_record bpf '.kind == "link" and .prog_id == $i and .attach_type == "tracepoint" and .attach_point == "sys_exit_getdents64" and any(.holders[]; .pid == $l)' \
  --argjson i "$exit_id" --argjson l "${loader:-0}"
check "bpf: program $exit_id has one attach point, through that link" any_record bpf \
  '.kind == "program" and .id == $i and (.attach_points | length == 1 and .[0].via == "link" and .[0].point == "sys_exit_getdents64")' \
  --argjson i "$exit_id"
check "triage: IRS-BPF-001 critical naming sys_exit_getdents64 and bpf_probe_write_user" bash -c \
  '"$LAB_IRSNAP" triage --json "$LAB_BUNDLE" 2>/dev/null | jq -e '"'"'[.. | objects
     | select(.rule_id? == "IRS-BPF-001" and .urgency? == "critical")
     | tostring | select(contains("sys_exit_getdents64") and contains("bpf_probe_write_user"))]
     | length > 0'"'"' >/dev/null'
# The kernel's own warning when the program was loaded, read from the kernel log.
check "kernel_state: the kernel log's bpf_probe_write_user warning naming bpf_hide_pid" \
  any_record kernel_state \
  '.kind == "log" and (.flags | index("bpf_probe_write_user")) and (.message | contains("bpf_hide_pid"))'
check "triage: IRS-KST-003 critical" triage_has IRS-KST-003 critical
# No module: nothing for the module views to find.
check "kernel_modules: no module hidden from any view" bash -c \
  '! cat "$LAB_BUNDLE"/artifacts/[0-9][0-9]_kernel_modules.jsonl | jq -e -s "any(.[]; .cross_view_discrepancy == true)" >/dev/null'
check "triage: no IRS-HID-003 (no hidden module)" not_triage_has IRS-HID-003

prog=$(records bpf | jq -c -s "[.[] | select($exit_prog)][0] // empty
  | {id, name, helpers, attach_points: [.attach_points[] | {via, attach_type, point}], holders}")
echo "  note: irsnap bpf record of the exit program: ${prog:-none}"
rules=$(triage_json | jq -r '[.. | objects | select(.rule_id? and .urgency? == "critical") | .rule_id]
  | unique | join(", ")')
echo "  note: critical rules raised: ${rules:-none}"
in_handles=$(records handles | jq -s --argjson p "${pid:-0}" 'map(select(.pid == $p)) | length')

row "eBPF getdents64 tracepoints + bpf_probe_write_user (no module)" \
  "ls /proc, ps: pid hidden; /proc/PID/status: opens; /proc/modules: unchanged; dmesg: the kernel's bpf_probe_write_user warning" \
  "pid $pid: probe + iter/task, IRS-HID-001 critical, its processes record (views [\"iter/task\"], exe and sha256) and $in_handles handles records; the program: bpf collector (tracepoint sys_exit_getdents64, helper probe_write_user, holder bpf_hide_pid pid $loader), IRS-BPF-001 critical; the kernel log warning: IRS-KST-003 critical"
check_done
