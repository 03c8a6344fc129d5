#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the README's two commands, exactly as written, on a new minimal Debian 12 root (debootstrap
# --variant=minbase plus git and ca-certificates: what a `debian:12` container image has), so a
# package that only this machine has installed by hand cannot hide a missing install step.
#
#   scripts/check-fresh.sh            both commands (the test command takes about 30 minutes)
#   scripts/check-fresh.sh --build    only the first (install, build, collect)
#   scripts/check-fresh.sh --keep     leave the root in place afterwards (mounts are still removed)
#
# Needs root. The root is made once and cached as a tarball ($IRSNAP_FRESH_CACHE, default
# /var/cache/irsnap-fresh); every run unpacks a new copy under $IRSNAP_FRESH_ROOT (default
# /var/tmp/irsnap-fresh), clones this repository at HEAD into /work/main there (with ../shared
# beside it, as CI lays it out), bind-mounts the root onto itself (so mount-namespace tests see a
# real mount point), mounts proc, sys, dev and dev/pts, and runs each command in a chroot with a
# clean environment. Everything runs inside a private mount namespace, so every mount it made
# goes away with it even on SIGKILL; on a normal exit or Ctrl-C it also kills what the commands
# left running in the root and unmounts in reverse order.
# Prints, for each command, pass or FAIL with its exit code and wall time; exits 1 if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

only_build=0 keep=0
for arg in "$@"; do
  case $arg in
    --build) only_build=1 ;;
    --keep) keep=1 ;;
    -h | --help) sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-fresh.sh: unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "check-fresh.sh: run as root (debootstrap, chroot, mounts)" >&2; exit 2; }

# Re-run inside a private mount namespace: the kernel drops every mount made here when the last
# process of the namespace exits, whatever killed it.
if [[ -z ${IRSNAP_FRESH_NS:-} ]]; then
  exec env IRSNAP_FRESH_NS=1 unshare --mount --propagation private "$0" "$@"
fi

suite=bookworm
mirror=http://deb.debian.org/debian
cache_dir=${IRSNAP_FRESH_CACHE:-/var/cache/irsnap-fresh}
tarball=$cache_dir/debian12-minbase-git.tar.gz
root=${IRSNAP_FRESH_ROOT:-/var/tmp/irsnap-fresh}

log() { printf 'check-fresh: %s\n' "$*" >&2; }

for tool in debootstrap; do
  command -v "$tool" >/dev/null || {
    log "installing $tool"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$tool"
  }
done

# ---- the cached minimal root -----------------------------------------------------------------
if [[ ! -s $tarball ]]; then
  log "building a minimal $suite root with debootstrap (cached as $tarball)"
  started=$(date +%s)
  build_root=$(mktemp -d /var/tmp/irsnap-debootstrap.XXXXXX)
  trap 'rm -rf "$build_root"' EXIT
  chmod 755 "$build_root"  # mktemp's 0700 would become the root's / (users like _apt need 755)
  debootstrap --variant=minbase --include=git,ca-certificates "$suite" "$build_root" "$mirror" \
    >"$build_root.log" 2>&1 || { tail -n 20 "$build_root.log" >&2; log "debootstrap failed"; exit 1; }
  # The sources a debian:12 image has: the release, its updates and security.
  rm -f "$build_root/etc/apt/sources.list"
  printf '%s\n' 'Types: deb' "URIs: $mirror" "Suites: $suite $suite-updates" 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' '' \
    'Types: deb' 'URIs: http://deb.debian.org/debian-security' "Suites: $suite-security" \
    'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
    >"$build_root/etc/apt/sources.list.d/debian.sources"
  chroot "$build_root" apt-get clean
  mkdir -p "$cache_dir"
  tar -C "$build_root" --numeric-owner -czf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  rm -rf "$build_root" "$build_root.log"
  trap - EXIT
  log "root cached in $(($(date +%s) - started)) s ($(du -h "$tarball" | cut -f1))"
fi

# ---- a new copy of it, mounted -----------------------------------------------------------------
mounts=()
cleanup() {
  local rc=$?
  set +e
  # Processes the commands left behind (sshd, wineserver ...) hold the mounts busy.
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$root"* ]] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}"
  done
  ((keep)) || rm -rf --one-file-system "$root"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -e $root ]]; then
  log "removing the previous root $root"
  rm -rf --one-file-system "$root"
fi
mkdir -p "$root"
tar -C "$root" --numeric-owner -xzf "$tarball"
chmod 755 "$root"  # / of the new system, whatever mode the tarball's top entry had
mount --bind "$root" "$root" && mounts+=("$root")
mount -t proc proc "$root/proc" && mounts+=("$root/proc")
mount -t sysfs sys "$root/sys" && mounts+=("$root/sys")
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && mounts+=("$root/dev")
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" && mounts+=("$root/dev/pts")
mount -t tmpfs tmpfs "$root/dev/shm" && mounts+=("$root/dev/shm")
mount -t tmpfs tmpfs "$root/run" && mounts+=("$root/run")
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

# The repository as committed (HEAD), and shared/ beside it as CI lays it out.
mkdir -p "$root/work"
revision=$(git -C "$repo" rev-parse --short HEAD)
git clone -q --no-hardlinks "$repo" "$root/work/main"
git -C "$root/work/main" checkout -q "$revision"
[[ -d $repo/../shared ]] && cp -a "$repo/../shared" "$root/work/shared"
log "fresh root at $root, repository at $revision"

# ---- the README's commands, as written ---------------------------------------------------------
# The two lines of the README's first code block, read from the README so this cannot drift.
mapfile -t commands < <(awk '/^```sh$/ { on = 1; next } on && /^```$/ { exit } on' README.md)
((${#commands[@]} == 2)) || { log "README's first sh block does not hold two commands"; exit 1; }
((only_build)) && commands=("${commands[0]}")

failed=0
summary=()
for cmd in "${commands[@]}"; do
  log "running on the fresh root: $cmd"
  started=$(date +%s)
  rc=0
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /work/main && $cmd" </dev/null || rc=$?
  wall=$(($(date +%s) - started))
  # `irsnap` exits 1 when a collector had reduced coverage (documented: a chroot hides some
  # views), so the main job passes with 0 or 1 and a bundle that verifies.
  verdict=FAIL
  if [[ $cmd == *build/irsnap* ]]; then
    if ((rc <= 1)); then
      bundle=$(ls -dt "$root"/work/main/build/*_*Z 2>/dev/null | head -n1 || true)
      if [[ -n $bundle ]] && chroot "$root" /work/main/build/irsnap verify "${bundle#"$root"}" >/dev/null; then
        verdict=pass
      else
        log "no bundle that verifies under build/"
      fi
    fi
  elif ((rc == 0)); then
    verdict=pass
  fi
  [[ $verdict == pass ]] || failed=1
  summary+=("$(printf '%-4s exit %-3s %5d s  %s' "$verdict" "$rc" "$wall" "$cmd")")
done

printf '\ncheck-fresh: results on a minimal Debian 12 (%s)\n' "$revision"
printf '  %s\n' "${summary[@]}"
exit "$failed"
