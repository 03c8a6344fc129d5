# shellcheck shell=sh
# SPDX-License-Identifier: Apache-2.0
# bpf-hide: the eBPF rootkit bpf_hide_pid hides lab_implant's pid from every getdents64 caller by
# rewriting the caller's buffer (bpf_probe_write_user) from the syscall's exit tracepoint. No
# module is loaded; the loader stays alive holding the links. Sourced by /init.
# shellcheck disable=SC2010  # ls is the point: the tool an administrator would run
pid_listed_by_ls() { ls /proc | grep -qx "$1"; }
pid_listed_by_ps() { ps | awk '{print $1}' | grep -qx "$1"; }
status_names() { awk '$1 == "Name:" {print $2}' "/proc/$1/status" | grep -qx "$2"; }
same_modules() { cut -d' ' -f1 /proc/modules | sort | cmp -s - /tmp/modules.before; }
not() { ! "$@"; }

scenario_run() {
  lab_implant &
  pid=$!
  lab_say "TARGET pid=$pid"
  # Baselines: without them a broken listing would "prove" the hiding.
  prove baseline-ls-shows-pid pid_listed_by_ls "$pid"
  prove baseline-ps-shows-pid pid_listed_by_ps "$pid"
  # The implant's hash as the guest's own sha256sum gives it, for the host to compare with
  # the processes record.
  lab_say "IMPLANT-SHA256 $(sha256sum /lab/bin/lab_implant | cut -d' ' -f1)"
  cut -d' ' -f1 /proc/modules | sort >/tmp/modules.before
  : >/tmp/bpf_hide_pid.out
  bpf_hide_pid "$pid" >/tmp/bpf_hide_pid.out 2>&1 &
  loader=$!
  i=0
  while ! grep -q '^ready' /tmp/bpf_hide_pid.out && kill -0 "$loader" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  cat /tmp/bpf_hide_pid.out
  if ! grep -q '^ready' /tmp/bpf_hide_pid.out; then
    lab_say "NOT-PROVEN bpf_hide_pid-loaded"
    return 0
  fi
  lab_say "LOADER pid=$loader"
  prove ls-proc-hides-pid not pid_listed_by_ls "$pid"
  prove ps-hides-pid not pid_listed_by_ps "$pid"
  prove pid-still-alive kill -0 "$pid"
  prove proc-pid-status-still-opens status_names "$pid" lab_implant
  # The filter is selective: the loader's own pid (and so every other entry) is still listed.
  prove ls-proc-shows-loader pid_listed_by_ls "$loader"
  prove no-module-loaded same_modules
  # What the kernel says of it, for the table (not a verdict): the warning it prints when a
  # program using bpf_probe_write_user is loaded.
  observe kernel-log-warns-probe-write-user sh -c 'dmesg | grep -q bpf_probe_write_user'
  dmesg | grep bpf_probe_write_user
  lab_say "TAINTED $(cat /proc/sys/kernel/tainted)"
}
