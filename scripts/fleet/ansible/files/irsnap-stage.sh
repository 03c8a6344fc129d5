# SPDX-License-Identifier: Apache-2.0
# Runs on each host through ansible.builtin.shell (pipelined, so this text never lands on the
# host as a file). Makes the staging directory for irsnap and prints it: in $IRSNAP_REMOTE_DIR
# when that is set, else in the first of /dev/shm, /run/user/UID, /run that is a tmpfs (memory,
# not the suspect's disk) and allows execution. Exit 120 when there is none.
# POSIX sh, awk and coreutils only. Keep in step with the remote script in ../irsnap-ssh.sh.

# File system type of the mount holding $1: the longest mount point that is a prefix of it, and
# of stacked mounts the last one.
fstype_of() {
  awk -v p="$1" '{ mp = $2; gsub(/\\040/, " ", mp)
    if (p == mp || mp == "/" || index(p, mp "/") == 1) {
      if (length(mp) >= best) { best = length(mp); t = $3 } } }
    END { print t }' /proc/mounts
}

# Creates the directory in $1 and proves a file there can be executed: a noexec mount refuses
# it, whatever the mount options appear to say.
try_dir() {
  [ -d "$1" ] && [ -w "$1" ] || return 1
  stage=$1/irsnap-fleet.$$
  mkdir -m 700 "$stage" 2>/dev/null || return 1
  if printf '#!/bin/sh\nexit 0\n' >"$stage/probe" && chmod 700 "$stage/probe" &&
    "$stage/probe" 2>/dev/null; then
    rm -f -- "$stage/probe"
    return 0
  fi
  rm -rf -- "$stage"
  return 1
}

if [ -n "${IRSNAP_REMOTE_DIR:-}" ]; then
  try_dir "$IRSNAP_REMOTE_DIR" && { echo "$stage"; exit 0; }
  echo "cannot stage in $IRSNAP_REMOTE_DIR (missing, not writable or noexec)" >&2
  exit 120
fi
for c in /dev/shm "/run/user/$(id -u)" /run; do
  case $(fstype_of "$c") in
    tmpfs | ramfs) try_dir "$c" && { echo "$stage"; exit 0; } ;;
  esac
done
echo "no memory-backed directory allowing execution (tried /dev/shm /run/user/$(id -u) /run);" \
  "set irsnap_remote_dir" >&2
exit 120
