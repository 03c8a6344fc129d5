#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fleet test: three "hosts", each a network namespace with its own PID, UTS and mount namespace
# (own hostname, own process table, own tmpfs) and its own sshd on a private bridge, collected
# by scripts/fleet/irsnap-ssh.sh and then by scripts/fleet/ansible/collect.yml. Every bundle must
# verify, carry the hostname of the host it is named after, and show that host's process table.
# A fourth entry points at a closed port and must fail alone. Needs root (CAP_NET_ADMIN,
# CAP_SYS_ADMIN); otherwise it prints `SKIP: reason` and exits 77.
#
#   tests/fleet/fleet_test.sh IRSNAP_BINARY
#
# Everything it creates (namespaces, bridge, veths, sshds, ssh masters, temp dir) is removed on
# exit, whatever the outcome; leftovers are reported and fail the test.
set -euo pipefail

irsnap=${1:?usage: fleet_test.sh IRSNAP_BINARY}
irsnap=$(readlink -f -- "$irsnap")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ssh_script=$repo/scripts/fleet/irsnap-ssh.sh
ansible_dir=$repo/scripts/fleet/ansible
readonly k_hosts=3

# Unique per run, so two runs (or a crashed earlier one) never collide. Interface names must
# stay within 15 characters: "irsf" + pid (at most 7 digits) + "h1".
tag=irsf$$
bridge=${tag}b
tmp=""
subnet=""
unshare_pids=()
ansible_home_existed=0

skip() { echo "SKIP: $*"; exit 77; }
# A tool scripts/install-deps.sh installs: a skip on a developer's machine, a failure where
# IRSNAP_REQUIRE_TOOLS=1 (scripts/test.sh, so CI): a missing install step must not pass as a skip.
missing_tool() {
  [[ ${IRSNAP_REQUIRE_TOOLS:-0} != 1 ]] || { echo "FAIL: $* (IRSNAP_REQUIRE_TOOLS=1)" >&2; exit 1; }
  skip "$@"
}
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { printf '== %s\n' "$*"; }

# Runs a long command in the background and waits for it, so that a SIGTERM (ctest's timeout,
# Ctrl-C) runs the cleanup at once instead of after the command; the cleanup then ends the
# command too, since its command line names our temp dir.
run_waiting() {
  "$@" &
  wait "$!"
}

now_us() { local t=$EPOCHREALTIME; printf '%s\n' "${t//[^0-9]/}"; }
secs() { printf '%d.%d' $(($1 / 1000000)) $(($1 % 1000000 / 100000)); }

check_prerequisites() {
  [[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, a bridge, sshd)"
  local c
  for c in ip unshare nsenter ssh ssh-keygen /usr/sbin/sshd ansible-playbook tar timeout; do
    command -v "$c" >/dev/null ||
      missing_tool "$c is missing (scripts/install-deps.sh --test installs openssh-server, ansible-core ...)"
  done
  python=/usr/bin/python3
  [[ -x $python ]] || python=$(command -v python3) || missing_tool "python3 is missing"
  [[ -x "$irsnap" ]] || fail "$irsnap is not an executable"
  # sshd without PAM refuses every login, keys included, to an account locked with '!'.
  if [[ $(getent shadow root | cut -d: -f2) == '!'* ]]; then
    skip "root's password field is locked ('!'): sshd without PAM refuses key logins for it"
  fi
}

# Probes with throw-away objects, so that a missing capability gives SKIP, not a failure
# half-way through the setup.
check_capabilities() {
  local probe=${tag}p
  ip netns add "$probe" 2>/dev/null || skip "cannot create a network namespace (needs CAP_SYS_ADMIN)"
  if ! ip netns exec "$probe" unshare --pid --uts --mount --fork --mount-proc true 2>/dev/null; then
    ip netns del "$probe"
    skip "cannot unshare PID/UTS/mount namespaces (needs CAP_SYS_ADMIN and unshare(1))"
  fi
  ip netns del "$probe"
  ip link add "$probe" type bridge 2>/dev/null || skip "cannot create a bridge (needs CAP_NET_ADMIN)"
  ip link del "$probe"
}

# The first 10.213.N.0/24 that no interface or route on this machine uses.
pick_subnet() {
  local n used
  used=$(ip -o -4 addr show; ip -4 route show table all)
  for n in 7 8 9 10 11 12; do
    if [[ "$used" != *"10.213.$n."* ]]; then subnet=10.213.$n; return; fi
  done
  skip "10.213.7-12.0/24 are all in use on this machine"
}

# Processes that belong to this run: anything whose command line names our temp dir (sshds,
# ssh control masters Ansible left behind).
our_pids() {
  local f p args
  for f in /proc/[0-9]*/cmdline; do
    p=${f#/proc/}; p=${p%/cmdline}
    [[ $p != "$$" && $p != "$BASHPID" ]] || continue
    # Pure bash: a grep run per process would find itself (its argument is the path).
    { mapfile -d '' args <"$f"; } 2>/dev/null || continue
    [[ "${args[*]}" != *"$tmp"* ]] || echo "$p"
  done
}

cleanup() {
  local rc=$? p i leftovers=()
  set +e
  # unshare --fork ignores SIGTERM while it waits; SIGKILL it, and --kill-child takes the
  # namespace's pid 1 (sshd), and with it everything in that PID namespace, along.
  for p in "${unshare_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for p in "${unshare_pids[@]}"; do wait "$p" 2>/dev/null; done
  if [[ -n "$tmp" ]]; then
    for i in 1 2 3 4 5 6 7 8 9 10; do
      mapfile -t pids < <(our_pids)
      ((${#pids[@]})) || break
      kill "${pids[@]}" 2>/dev/null
      sleep 0.2
    done
  fi
  for i in $(seq 1 "$k_hosts"); do
    ip netns del "$tag-h$i" 2>/dev/null
    ip link del "${tag}h$i" 2>/dev/null
  done
  ip link del "$bridge" 2>/dev/null
  # Leftovers are failures: the test promises to leave this machine as it found it.
  ip netns list | grep -q "^$tag-" && leftovers+=("network namespaces")
  ip -o link show | grep -q "$tag" && leftovers+=("interfaces")
  [[ -n "$tmp" && -n "$(our_pids)" ]] && leftovers+=("processes")
  ((ansible_home_existed)) || [[ ! -e /root/.ansible ]] || leftovers+=("/root/.ansible")
  [[ -n "$tmp" ]] && rm -rf -- "$tmp"
  if ((${#leftovers[@]})); then
    echo "FAIL: left behind: ${leftovers[*]}" >&2
    ((rc != 0 && rc != 77)) || rc=1
  fi
  exit "$rc"
}

make_keys() {
  ssh-keygen -q -t ed25519 -N '' -C fleet-test-client -f "$tmp/client_key"
  cp "$tmp/client_key.pub" "$tmp/authorized_keys"
  : >"$tmp/known_hosts"
}

# host N: address, port (h2 uses 2222 so that host:port is exercised) and hostname.
addr_of() { echo "$subnet.$((10 + $1))"; }
port_of() { if (($1 == 2)); then echo 2222; else echo 22; fi; }

write_sshd_config() {
  local i=$1 d=$tmp/h$1
  {
    echo "ListenAddress $(addr_of "$i"):$(port_of "$i")"
    echo "HostKey $d/host_ed25519"
    echo "PidFile none"
    echo "AuthorizedKeysFile $tmp/authorized_keys"
    echo "PermitRootLogin prohibit-password"
    echo "PubkeyAuthentication yes"
    echo "PasswordAuthentication no"
    echo "KbdInteractiveAuthentication no"
    # No PAM: Debian's PAM stack (loginuid, systemd sessions) needs more than a namespace has.
    echo "UsePAM no"
    echo "StrictModes no"
    echo "UseDNS no"
    echo "PrintMotd no"
    echo "PrintLastLog no"
    echo "Subsystem sftp internal-sftp"
    echo "LogLevel INFO"
    # An ASan/UBSan irsnap started through sshd gets the options the suite runs with.
    local sanitizer_env=()
    [[ -z "${ASAN_OPTIONS:-}" ]] || sanitizer_env+=("ASAN_OPTIONS=$ASAN_OPTIONS")
    [[ -z "${UBSAN_OPTIONS:-}" ]] || sanitizer_env+=("UBSAN_OPTIONS=$UBSAN_OPTIONS")
    ((${#sanitizer_env[@]} == 0)) || echo "SetEnv ${sanitizer_env[*]}"
  } >"$d/sshd_config"
}

# The bridge on this machine is the "network"; each host hangs on it by a veth pair whose inner
# end becomes the host's eth0.
make_network() {
  ip link add "$bridge" type bridge
  ip addr add "$subnet.1/24" dev "$bridge"
  ip link set "$bridge" up
  local i ns
  for i in $(seq 1 "$k_hosts"); do
    ns=$tag-h$i
    ip netns add "$ns"
    ip link add "${tag}h$i" type veth peer name "${tag}n$i"
    ip link set "${tag}n$i" netns "$ns"
    ip -n "$ns" link set "${tag}n$i" name eth0
    ip -n "$ns" addr add "$(addr_of "$i")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    ip link set "${tag}h$i" master "$bridge" up
  done
}

# Each host: its own hostname, a fresh /proc (own PID namespace, sshd is pid 1), its own tmpfs
# on /run and /dev/shm. Host 3's /dev/shm is noexec, so the scripts must fall back to /run.
start_host() {
  local i=$1 d=$tmp/h$1 shm_opts=mode=1777
  mkdir -p "$d"
  ssh-keygen -q -t ed25519 -N '' -C "fleet-h$i" -f "$d/host_ed25519"
  local kh_name
  if (($(port_of "$i") == 22)); then kh_name=$(addr_of "$i"); else kh_name="[$(addr_of "$i")]:$(port_of "$i")"; fi
  echo "$kh_name $(cut -d' ' -f1,2 "$d/host_ed25519.pub")" >>"$tmp/known_hosts"
  write_sshd_config "$i"
  ((i != 3)) || shm_opts+=,noexec
  # shellcheck disable=SC2016  # expanded by the inner sh
  ip netns exec "$tag-h$i" unshare --pid --uts --mount --fork --kill-child --mount-proc \
    sh -c 'hostname "$1" &&
           mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd &&
           mount -t tmpfs -o "$2" tmpfs /dev/shm &&
           exec /usr/sbin/sshd -D -e -f "$3"' \
    sh "fleet-h$i" "$shm_opts" "$d/sshd_config" >"$d/sshd.log" 2>&1 &
  unshare_pids+=($!)
}

wait_for_sshds() {
  local i n
  for i in $(seq 1 "$k_hosts"); do
    for n in $(seq 1 100); do
      if timeout 1 bash -c "exec 3<>/dev/tcp/$(addr_of "$i")/$(port_of "$i")" 2>/dev/null; then
        continue 2
      fi
      kill -0 "${unshare_pids[i - 1]}" 2>/dev/null || fail "sshd of h$i died: $(cat "$tmp/h$i/sshd.log")"
      sleep 0.1
    done
    fail "sshd of h$i does not listen on $(addr_of "$i"):$(port_of "$i"): $(cat "$tmp/h$i/sshd.log")"
  done
}

write_client_files() {
  cat >"$tmp/ssh_config" <<EOF
Host fleet-h1
  HostName $(addr_of 1)
Host *
  User root
  IdentitiesOnly yes
  UserKnownHostsFile $tmp/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  LogLevel ERROR
EOF
  # One entry of each form: an alias from -F, user@ip:port, a bare ip, and a closed port.
  cat >"$tmp/hosts" <<EOF
# fleet test hosts
fleet-h1
root@$(addr_of 2):2222   # h2 listens on a non-default port

$(addr_of 3)
root@$(addr_of 1):2      # nothing listens here: this host must fail alone
EOF
  cat >"$tmp/inventory.ini" <<EOF
[fleet]
fleet-h1 ansible_host=$(addr_of 1)
fleet-h2 ansible_host=$(addr_of 2) ansible_port=2222
fleet-h3 ansible_host=$(addr_of 3)
fleet-down ansible_host=$(addr_of 1) ansible_port=2

[fleet:vars]
ansible_user=root
ansible_ssh_private_key_file=$tmp/client_key
ansible_ssh_common_args=-F $tmp/ssh_config
ansible_python_interpreter=/usr/bin/python3
EOF
}

run_ssh_script() {
  local rc=0 t0
  note "irsnap-ssh.sh against ${k_hosts} hosts (+1 closed port)"
  t0=$(now_us)
  run_waiting "$ssh_script" -b "$irsnap" -d "$tmp/ssh-out" -j 8 -F "$tmp/ssh_config" -i "$tmp/client_key" \
    -o ConnectTimeout=5 "$tmp/hosts" -- --case-id FLEET-TEST --examiner fleet_test.sh || rc=$?
  ssh_us=$(($(now_us) - t0))
  ((rc == 3)) || fail "irsnap-ssh.sh exited $rc, expected 3 (one host unreachable)"
  local f
  for f in fleet-h1 "$(addr_of 2)_2222" "$(addr_of 3)"; do
    grep -Eq '^rc=(0|1)$' "$tmp/ssh-out/$f.status" || fail "$(tr '\n' ' ' <"$tmp/ssh-out/$f.status")"
    grep -q '^verify=ok$' "$tmp/ssh-out/$f.status" || fail "$(tr '\n' ' ' <"$tmp/ssh-out/$f.status")"
  done
  grep -q '^rc=255$' "$tmp/ssh-out/$(addr_of 1)_2.status" ||
    fail "closed port: $(tr '\n' ' ' <"$tmp/ssh-out/$(addr_of 1)_2.status")"
  [[ ! -e "$tmp/ssh-out/$(addr_of 1)_2.tar" ]] || fail "closed port left an (empty) tar"
  grep -q 'staging in /run/irsnap-fleet\.' "$tmp/ssh-out/$(addr_of 3).log" ||
    fail "h3 (noexec /dev/shm) did not fall back to /run: $(head -3 "$tmp/ssh-out/$(addr_of 3).log")"
}

run_playbook() {
  local rc=0 t0
  note "ansible-playbook collect.yml against ${k_hosts} hosts (+1 closed port)"
  t0=$(now_us)
  # From the temp dir, with relative irsnap_binary and irsnap_outdir, which must be resolved
  # against the current directory as documented.
  cd "$tmp"
  # Ansible's own files on this machine (control sockets, local temp) go to our temp dir. Its
  # remote temp dir is left at the default ~/.ansible/tmp on purpose: the hosts share this
  # machine's disk, so a /root/.ansible appearing shows that something wrote to a host's disk.
  LC_ALL=C.UTF-8 ANSIBLE_CONFIG=$ansible_dir/ansible.cfg ANSIBLE_HOME=$tmp/ansible-home \
    ANSIBLE_LOCAL_TEMP=$tmp/ansible-home/tmp ANSIBLE_SSH_CONTROL_PATH_DIR=$tmp/cp \
    ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
    run_waiting ansible-playbook -i "$tmp/inventory.ini" "$ansible_dir/collect.yml" \
    -e "irsnap_binary=$(realpath --relative-to="$tmp" "$irsnap")" -e "irsnap_outdir=ansible-out" \
    -e '{"irsnap_args": ["--case-id", "FLEET-TEST", "--examiner", "collect.yml"]}' \
    >"$tmp/ansible.log" 2>&1 || rc=$?
  ansible_us=$(($(now_us) - t0))
  cd "$repo"
  sed -n '/TASK \[Summary\]/,/TASK \[Fail/p' "$tmp/ansible.log" | sed '$d'
  echo "ansible-playbook exited $rc (2 expected: its last task fails because fleet-down did)"
  # 2: the closing task fails because fleet-down failed; anything else is a broken playbook.
  ((rc == 2)) || { cat "$tmp/ansible.log"; fail "ansible-playbook exited $rc, expected 2"; }
  grep -q "^fleet-down	-1	unreachable" "$tmp/ansible-out/summary.tsv" ||
    { cat "$tmp/ansible-out/summary.tsv"; fail "summary.tsv does not report fleet-down unreachable"; }
  local h
  for h in fleet-h1 fleet-h2 fleet-h3; do
    grep -Eq "^$h	[01]	[^	]*	[0-9]+	[^	]*	ok	True$" "$tmp/ansible-out/summary.tsv" ||
      { cat "$tmp/ansible-out/summary.tsv"; fail "summary.tsv: $h did not collect, verify and clean up"; }
  done
}

# Each bundle verifies, names the host it came from, was made by this binary, ran from tmpfs,
# and holds that host's process table, not this machine's or another host's.
check_bundles() {
  note "checking bundles"
  local bundles=(
    "$tmp/ssh-out/fleet-h1.tar:1" "$tmp/ssh-out/$(addr_of 2)_2222.tar:2" "$tmp/ssh-out/$(addr_of 3).tar:3"
    "$tmp/ansible-out/fleet-h1.tar:1" "$tmp/ansible-out/fleet-h2.tar:2" "$tmp/ansible-out/fleet-h3.tar:3")
  local b
  for b in "${bundles[@]}"; do
    "$irsnap" verify "${b%:*}" >/dev/null || fail "${b%:*} does not verify"
  done
  local host_procs
  host_procs=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
  "$python" - "$tmp" "$(sha256sum <"$irsnap" | cut -d' ' -f1)" "$host_procs" "${bundles[@]}" <<'PY'
import json, sys, tarfile
tmp, sha, host_procs, specs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]

def member(t, suffix):
    return t.extractfile(next(m for m in t.getmembers() if m.name.endswith(suffix)))

seen = {}
for spec in specs:
    path, n = spec.rsplit(":", 1)
    want = f"fleet-h{n}"
    with tarfile.open(path) as t:
        top = t.getmembers()[0].name.split("/")[0]
        man = json.load(member(t, "/manifest.json"))
        procs = [json.loads(l) for l in member(t, "_processes.jsonl")]
    def check(ok, what):
        if not ok:
            sys.exit(f"FAIL: {path}: {what}")
    check(man["host"]["hostname"] == want, f"hostname {man['host']['hostname']!r}, want {want!r}")
    check(top.startswith(want + "_"), f"bundle directory {top!r} does not start with {want}_")
    check(man["tool"]["executable_sha256"] == sha, "made by another binary")
    exe = man["tool"]["executable"]
    stage = "/run/irsnap-fleet." if n == "3" else "/dev/shm/irsnap-fleet."
    check(exe.startswith(stage), f"ran from {exe}, expected under {stage}* (tmpfs)")
    pids = {p["pid"]: p for p in procs}
    own_cfg = f"{tmp}/h{n}/sshd_config"
    # sshd rewrites its argv into one title string, which still names its config file.
    check(1 in pids and own_cfg in " ".join(pids[1]["argv"] or []),
          f"pid 1 is not this host's sshd: {pids.get(1, {}).get('argv')}")
    check(len(procs) < 30 and len(procs) < host_procs,
          f"{len(procs)} processes: not a namespace's table (this machine has {host_procs})")
    others = [p["pid"] for p in procs if any(f"{tmp}/h{m}/" in " ".join(p["argv"] or [])
                                              for m in "123" if m != n)]
    check(not others, f"sees other hosts' processes: {others}")
    seen.setdefault(want, []).append(path)
    print(f"ok  {path.removeprefix(tmp + '/')}: {want}, {len(procs)} processes, pid 1 sshd, ran from {exe}")
if len(set(seen)) != 3:
    sys.exit(f"FAIL: hostnames {sorted(seen)} are not three different ones")
PY
}

# No staging directory may remain on any host after either tool ran.
check_remote_cleanup() {
  local i left
  for i in $(seq 1 "$k_hosts"); do
    left=$(nsenter -t "${unshare_pids[i - 1]}" -m sh -c 'ls -d /dev/shm/irsnap-fleet.* /run/irsnap-fleet.* 2>/dev/null' || true)
    [[ -z "$left" ]] || fail "h$i still holds $left"
  done
}

main() {
  local t0
  t0=$(now_us)
  check_prerequisites
  check_capabilities
  pick_subnet
  [[ ! -e /root/.ansible ]] || ansible_home_existed=1
  tmp=$(mktemp -d /tmp/irsnap-fleet-test.XXXXXX)
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  note "setting up ${k_hosts} hosts on $subnet.0/24 (bridge $bridge, namespaces $tag-h1..$k_hosts)"
  make_keys
  make_network
  local i
  for i in $(seq 1 "$k_hosts"); do start_host "$i"; done
  write_client_files
  wait_for_sshds
  run_ssh_script
  run_playbook
  check_bundles
  check_remote_cleanup
  note "timings: hosts ${k_hosts} (+1 closed port); irsnap-ssh.sh $(secs "$ssh_us") s;" \
    "ansible-playbook $(secs "$ansible_us") s; whole test $(secs $(($(now_us) - t0))) s"
  note "PASS"
}

main "$@"
