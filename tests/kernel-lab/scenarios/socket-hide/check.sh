# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Host checks of socket-hide: hide_tcp hid the listener on 127.0.0.1:31337 from /proc/net/tcp
# (ftrace hook on tcp4_seq_show) and itself from the module list.
# shellcheck disable=SC2016  # $p, $o in the filters are jq's variables, not the shell's
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../check-lib.sh
. "$here/../../check-lib.sh"
target=$(serial_value TARGET)
pid=$(sed -n 's/^pid=\([0-9][0-9]*\) .*/\1/p' <<<"$target")
port=$(sed -n 's/.* port=\([0-9][0-9]*\) .*/\1/p' <<<"$target")
control_port=$(sed -n 's/.* control_port=\([0-9][0-9]*\)$/\1/p' <<<"$target")

echo "guest: the rootkit blinds the guest's own tools"
check "the guest named the listener (pid $pid, port $port, control port $control_port)" \
  test -n "$pid" -a -n "$port" -a -n "$control_port"
check_guest_proofs baseline-proc-net-tcp-shows-port baseline-netstat-shows-port \
  proc-net-tcp-hides-port netstat-hides-port proc-net-tcp-shows-control-port \
  netstat-shows-control-port listener-still-alive listener-still-holds-socket \
  proc-modules-hides-module lsmod-hides-module sysfs-still-shows-module
# The hidden listener: both netlink dumps and the BPF iterator saw it, /proc/net/tcp did not
# (collectors/network/network_inet_linux.cpp, network_kernel_linux.cpp).
listener='.protocol == "tcp" and .local_port == $p and .state == "LISTEN"'
check "network: tcp LISTEN on port $port, hidden from /proc/net" any_record network \
  "$listener"' and .cross_view_discrepancy == true and .discrepancy == "hidden from /proc/net"' \
  --argjson p "${port:-0}"
check "network: port $port seen by netlink and iter/tcp, not by proc" any_record network \
  "$listener"' and (.views | index("netlink")) and (.views | index("iter/tcp")) and (.views | index("proc") | not)' \
  --argjson p "${port:-0}"
check "network: port $port owned by the listener (pid $pid, lab_listener)" any_record network \
  "$listener"' and any(.owners[]?; .pid == $o and .name == "lab_listener")' \
  --argjson p "${port:-0}" --argjson o "${pid:-0}"
check "network: control port $control_port in every view, no discrepancy" any_record network \
  "$listener"' and .cross_view_discrepancy == false and (.views | index("proc")) and (.views | index("netlink"))' \
  --argjson p "${control_port:-0}"
# IRS-HID-002 raises a listener hidden from /proc/net critical (src/analysis/rules_cross_view.cpp);
# only a socket no user-space view lists at all is IRS-NET-005.
check "triage: IRS-HID-002 critical (a listener netstat cannot see)" triage_has IRS-HID-002 critical
check "triage: no IRS-NET-005 (netlink still lists the socket)" not_triage_has IRS-NET-005
# The hook itself, from ftrace's list: the module's name stays there after list_del.
check "kernel_state: ftrace hook on tcp4_seq_show by module hide_tcp" any_record kernel_state \
  '.kind == "ftrace_hook" and .name == "tcp4_seq_show" and (.modules | index("hide_tcp"))'
check "triage: IRS-KST-008 critical" triage_has IRS-KST-008 critical
# The module: off the list, still in sysfs.
check "kernel_modules: hide_tcp not in /proc/modules, in /sys/module and iter/ksym, a discrepancy" \
  any_record kernel_modules \
  '.name == "hide_tcp" and .in_proc_modules == false and .in_sys_module == true and .in_kernel_symbols == true and .cross_view_discrepancy == true'
check "triage: IRS-HID-003 critical" triage_has IRS-HID-003 critical
rec=$(records network | jq -c -s --argjson p "${port:-0}" \
  "[.[] | select($listener)][0] // empty | {views, discrepancy, owners}")
echo "  note: irsnap network record of port $port: ${rec:-none}"
hid002=$(triage_json | jq -r '[.. | objects | select(.rule_id? == "IRS-HID-002") | .urgency] | unique | join(",")')
echo "  note: IRS-HID-002 urgencies raised: ${hid002:-none}"
echo "  note: kernel taint mask (guest said $(serial_value TAINTED))"

row "ftrace tcp4_seq_show hook + list_del" \
  "/proc/net/tcp, netstat -tln: listener on 127.0.0.1:$port hidden (control port shown); /proc/modules, lsmod: module hidden; /sys/module: shown" \
  "listener: netlink + iter/tcp, not proc (\"hidden from /proc/net\", owner lab_listener pid $pid), IRS-HID-002 ${hid002:-none}; its tcp4_seq_show hook: ftrace (enabled_functions names hide_tcp), IRS-KST-008 critical; module: sysfs + iter/ksym, IRS-HID-003 critical"
check_done
