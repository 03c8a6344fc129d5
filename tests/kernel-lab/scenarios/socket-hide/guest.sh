# shellcheck shell=sh
# SPDX-License-Identifier: Apache-2.0
# socket-hide: hide_tcp hides the TCP listener on 127.0.0.1:31337 from /proc/net/tcp (an ftrace
# hook on tcp4_seq_show) and itself from the module list. Sourced by /init. A second listener on
# 31338, not hidden, shows the hook is selective and /proc/net/tcp still works.
PORT=31337
PORT_HEX=7A69
CONTROL_PORT=31338
CONTROL_HEX=7A6A
# A LISTEN row (state 0A) of the port in /proc/net/tcp: what netstat reads.
tcp_row() { awk -v p=":$1" 'NR > 1 && substr($2, length($2) - 4) == p && $4 == "0A"' /proc/net/tcp | grep -q .; }
by_netstat() { netstat -tln | grep -q "127.0.0.1:$1 .*LISTEN"; }
module_in_proc_modules() { grep -q '^hide_tcp ' /proc/modules; }
module_in_lsmod() { lsmod | grep -q '^hide_tcp '; }
module_in_sysfs() { [ -d /sys/module/hide_tcp ]; }
holds_socket() {
  for fd in "/proc/$1/fd"/*; do
    case $(readlink "$fd") in socket:*) return 0 ;; esac
  done
  return 1
}
not() { ! "$@"; }
wait_for_row() {
  i=0
  while ! tcp_row "$1" && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
  done
}

scenario_run() {
  # lo is down in a bare initramfs, and 127.0.0.1 exists only once it is up.
  ip link set lo up || ifconfig lo 127.0.0.1 up
  lab_listener "$PORT" &
  pid=$!
  lab_listener "$CONTROL_PORT" &
  control=$!
  lab_say "TARGET pid=$pid port=$PORT control_pid=$control control_port=$CONTROL_PORT"
  wait_for_row "$PORT_HEX"
  wait_for_row "$CONTROL_HEX"
  # Baselines: without them a broken listener or listing would "prove" the hiding.
  prove baseline-proc-net-tcp-shows-port tcp_row "$PORT_HEX"
  prove baseline-netstat-shows-port by_netstat "$PORT"
  grep -i ":$PORT_HEX " /proc/net/tcp
  if ! insmod /lab/payload/hide_tcp.ko port="$PORT"; then
    lab_say "NOT-PROVEN insmod-hide_tcp"
    return 0
  fi
  prove proc-net-tcp-hides-port not tcp_row "$PORT_HEX"
  prove netstat-hides-port not by_netstat "$PORT"
  prove proc-net-tcp-shows-control-port tcp_row "$CONTROL_HEX"
  prove netstat-shows-control-port by_netstat "$CONTROL_PORT"
  prove listener-still-alive kill -0 "$pid"
  prove listener-still-holds-socket holds_socket "$pid"
  prove proc-modules-hides-module not module_in_proc_modules
  prove lsmod-hides-module not module_in_lsmod
  prove sysfs-still-shows-module module_in_sysfs
  cat /proc/net/tcp
  netstat -tln
  # The hook in ftrace's list of patched functions, for the table (not a verdict).
  observe ftrace-lists-tcp4_seq_show-hook grep -q tcp4_seq_show /sys/kernel/tracing/enabled_functions
  grep tcp4_seq_show /sys/kernel/tracing/enabled_functions
  lab_say "TAINTED $(cat /proc/sys/kernel/tainted)"
}
