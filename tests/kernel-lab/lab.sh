#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The kernel lab (docs/kernel-lab.md): runs one scenario against Debian's own kernel under QEMU.
#
#   tests/kernel-lab/lab.sh --irsnap PATH --scenario NAME [--cache DIR] [--keep DIR] [--verbose]
#   tests/kernel-lab/lab.sh --list
#   tests/kernel-lab/lab.sh --prepare [--cache DIR]   (steps 1 and 2 only: scripts/test.sh runs
#                                                      every apt step in the foreground first)
#
# 1. Finds the kernel Debian serves (the linux-image-ABI package linux-image-amd64 depends on,
#    asked of apt-cache, never hard-coded), installs what the lab needs with apt-get (QEMU,
#    busybox-static, the kernel's headers, gcc, make, kmod, jq, cpio, and clang, bpftool and the
#    static libbpf for the eBPF rootkit) when it is missing, and
#    `apt-get download`s the kernel package into the cache.
# 2. Extracts vmlinuz and the virtio modules the guest needs (the disk the bundle comes back on)
#    from the package into the cache: a second run downloads and extracts nothing.
# 3. Builds the scenario's payloads: test kernel modules (tests/kernel-lab/rootkits/*) against the
#    headers, helper programs (tests/kernel-lab/helpers/*.c) with gcc -static, eBPF programs with
#    clang -target bpf and their loaders (a bpftool skeleton, linked statically with libbpf).
# 4. Packs an initramfs (cpio newc, gzip): busybox-static, the static irsnap given with --irsnap,
#    the payloads, the virtio modules, /init (init.sh) and the scenario's guest.sh.
# 5. Boots it: qemu-system-x86_64 -accel tcg -cpu max (no KVM needed), serial console to a log,
#    a raw 256 MiB file as the guest's /dev/vda. The guest proves the rootkit blinds its own tools,
#    runs `irsnap collect`, writes the bundle as a tar stream onto /dev/vda and powers off.
# 6. Reads the tar back from the raw file, then runs the scenario's check.sh: `irsnap verify`,
#    `irsnap triage` and the assertions on the bundle's records, run on the host.
#
# Exit: 0 the scenario passed; 1 it failed; 2 usage; 77 skipped (no QEMU, packages cannot be
# installed or fetched, no root to install them), with one line saying why.
# Writes only into the cache directory, a temporary directory it removes, and --keep DIR.
set -euo pipefail

lab_dir=$(cd "$(dirname "$0")" && pwd)
cache="${XDG_CACHE_HOME:+$XDG_CACHE_HOME/irsnap-kernel-lab}"
cache=${cache:-/var/cache/irsnap-kernel-lab}
irsnap=""
scenario=""
keep=""
verbose=0
prepare=0
qemu_timeout=${LAB_QEMU_TIMEOUT:-180}

usage() {
  sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
skip() {
  echo "SKIP kernel-lab: $*"
  exit 77
}
die() {
  echo "kernel-lab: $*" >&2
  exit 1
}
log() { echo "kernel-lab: $*" >&2; }

list_scenarios() {
  local d
  for d in "$lab_dir"/scenarios/*/; do
    printf '%-20s %s\n' "$(basename "$d")" "$(head -n 1 "$d/about")"
  done | LC_ALL=C sort
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --irsnap) irsnap=${2:?}; shift 2 ;;
    --scenario) scenario=${2:?}; shift 2 ;;
    --cache) cache=${2:?}; shift 2 ;;
    --keep) keep=${2:?}; shift 2 ;;
    --verbose) verbose=1; shift ;;
    --prepare) prepare=1; shift ;;
    --list) list_scenarios; exit 0 ;;
    -h|--help) usage ;;
    *) echo "kernel-lab: unknown argument $1" >&2; usage ;;
  esac
done
[[ $prepare -eq 1 || ( -n "$irsnap" && -n "$scenario" ) ]] || usage
if [[ $prepare -eq 0 ]]; then
  scenario_dir="$lab_dir/scenarios/$scenario"
  [[ -f "$scenario_dir/guest.sh" && -f "$scenario_dir/check.sh" ]] \
    || { echo "kernel-lab: no scenario '$scenario' (--list)" >&2; exit 2; }
  [[ -x "$irsnap" ]] || { echo "kernel-lab: --irsnap $irsnap is not an executable" >&2; exit 2; }
  irsnap=$(cd "$(dirname "$irsnap")" && pwd)/$(basename "$irsnap")
  # The guest has no libraries at all: a dynamic irsnap would not start there. ldd exits 1 on a
  # static binary, so capture its text rather than pipe it under pipefail.
  ldd_out=$(ldd "$irsnap" 2>&1 || true)
  [[ "$ldd_out" == *"not a dynamic executable"* ]] \
    || { echo "kernel-lab: --irsnap $irsnap is not static (scripts/build.sh builds one)" >&2; exit 2; }
fi

# --- 1. packages -------------------------------------------------------------------------------
if ! command -v apt-cache >/dev/null || ! command -v apt-get >/dev/null; then
  skip "no apt (the lab takes Debian's kernel packages)"
fi
# The kernel ABI Debian serves now: linux-image-amd64 depends on linux-image-ABI (one line).
kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
  | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
[[ -n "$kernel_pkg" ]] || skip "apt-cache knows no linux-image-amd64 (apt-get update?)"
kver=${kernel_pkg#linux-image-}
headers="/usr/src/linux-headers-$kver"
packages=(qemu-system-x86 busybox-static cpio gzip kmod make gcc libc6-dev jq tar
          "linux-headers-$kver" clang bpftool libbpf-dev libelf-dev zlib1g-dev)
packages+=(python3)  # the physical-memory check reads the LiME image
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $(id -u) -eq 0 ]] || skip "packages missing and not root to install them: ${missing[*]}"
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
    --no-install-recommends "${missing[@]}" >&2 \
    || skip "apt-get install ${missing[*]} failed (no mirror reachable?)"
fi
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing after install"
[[ -d "$headers" ]] || skip "$headers missing after installing linux-headers-$kver"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/irsnap-kernel-lab.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- 2. the kernel, cached ---------------------------------------------------------------------
# The guest needs the virtio PCI transport and virtio_blk for the disk the bundle comes back on,
# and the sock_diag handlers of TCP and UDP (inet_diag, tcp_diag, udp_diag: modules in Debian's
# kernel) for irsnap's netlink socket view. A real system loads those on the first `ss` through
# modprobe; the guest has no modprobe and no modules.dep, so without them every netlink dump of
# an inet table fails with ENOENT and only /proc/net and the BPF iterators list sockets.
wanted_modules=(virtio_pci virtio_blk inet_diag tcp_diag udp_diag)
kcache="$cache/kernel-$kver"
# A cache extracted before a module was wanted lacks it: extract again.
cache_has_wanted() {
  local m
  for m in "${wanted_modules[@]}"; do [[ -f "$kcache/modules/$m.ko" ]] || return 1; done
}
if [[ ! -f "$kcache/complete" ]] || ! cache_has_wanted; then
  # The package (70 MB) is only kept until its few files are out: the cache holds ~9 MB.
  rm -rf "$kcache"
  mkdir -p "$kcache/download" "$kcache/x"
  log "downloading $kernel_pkg into $kcache"
  # apt warns that it downloads as root when _apt cannot write the directory; harmless here.
  (cd "$kcache/download" && apt-get download -q "$kernel_pkg" >&2) \
    || skip "apt-get download $kernel_pkg failed (no mirror reachable?)"
  deb=$(compgen -G "$kcache/download/${kernel_pkg}_*.deb" | head -n 1)
  # One pass over the package: the kernel image, the virtio drivers and the inet sock_diag
  # handlers. The package ships no modules.dep (depmod writes it at install), so dependencies are
  # read from each .ko below.
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kcache/x" --wildcards \
    "./boot/vmlinuz-$kver" "./lib/modules/$kver/kernel/drivers/virtio/*" \
    "./lib/modules/$kver/kernel/drivers/block/virtio_blk.ko" \
    "./lib/modules/$kver/kernel/net/ipv4/*_diag.ko"
  mkdir -p "$kcache/modules"
  mv "$kcache/x/boot/vmlinuz-$kver" "$kcache/vmlinuz"
  find "$kcache/x/lib/modules/$kver" -name '*.ko' -exec mv -t "$kcache/modules" {} +
  rm -rf "$kcache/x" "$kcache/download"
  touch "$kcache/complete"
fi
if [[ $prepare -eq 1 ]]; then
  log "prepared: packages installed, $kver cached in $kcache"
  exit 0
fi

# Load order of the wanted modules and their dependencies (the .ko's own "depends" field),
# dependencies first.
declare -A seen=()
order=()
add_module() {
  local name=$1 dep deps
  [[ -n "${seen[$name]:-}" ]] && return 0
  seen[$name]=1
  [[ -f "$kcache/modules/$name.ko" ]] || die "module $name (or a dependency) is not in $kcache/modules"
  deps=$(modinfo -F depends "$kcache/modules/$name.ko")
  for dep in ${deps//,/ }; do add_module "$dep"; done
  order+=("$name.ko")
}
for m in "${wanted_modules[@]}"; do add_module "$m"; done

# --- 3. payloads -------------------------------------------------------------------------------
root="$tmp/root"
mkdir -p "$root/bin" "$root/lab/bin" "$root/lab/kmod" "$root/lab/payload" "$root/lab/lib"
# build.list: "module DIR [MAKE-ARGS...]" (a Kbuild directory under tests/kernel-lab, built with
# those extra make arguments, e.g. KCFLAGS=-DX), "helper FILE.c" or "bpf DIR" (DIR/NAME.bpf.c, an
# eBPF program, and DIR/NAME.c, its loader, which includes the skeleton NAME.skel.h).
while read -r kind what args; do
  [[ -z "$kind" || "$kind" == \#* ]] && continue
  case "$kind" in
    module)
      name=$(basename "$what")
      cp -r "$lab_dir/$what" "$tmp/build-$name"
      cp "$lab_dir"/rootkits/common/*.h "$tmp/build-$name/"  # shared hook code (ftrace_redirect.h)
      # shellcheck disable=SC2086  # args is a word list
      make -s -C "$headers" M="$tmp/build-$name" $args modules >"$tmp/build-$name.log" 2>&1 \
        || { cat "$tmp/build-$name.log" >&2; die "building module $what failed"; }
      cp "$tmp/build-$name/$name.ko" "$root/lab/payload/"
      ;;
    helper)
      name=$(basename "$what" .c)
      gcc -static -O2 -Wall -Werror -o "$root/lab/bin/$name" "$lab_dir/$what" \
        || die "building helper $what failed"
      ;;
    bpf)
      # -g: bpftool needs the object's BTF for the skeleton's view of its global variables. The
      # loader is static like every guest program: libbpf.a needs libelf.a and libz.a. Debian
      # installs bpftool in /usr/sbin, which a user's PATH may lack.
      name=$(basename "$what")
      mkdir -p "$tmp/build-$name"
      { clang -g -O2 -Wall -Werror -target bpf -c "$lab_dir/$what/$name.bpf.c" \
          -o "$tmp/build-$name/$name.bpf.o" \
        && "$(command -v bpftool || echo /usr/sbin/bpftool)" gen skeleton \
          "$tmp/build-$name/$name.bpf.o" name "$name" \
          >"$tmp/build-$name/$name.skel.h" \
        && gcc -static -O2 -Wall -Werror -I"$tmp/build-$name" -o "$root/lab/bin/$name" \
          "$lab_dir/$what/$name.c" -lbpf -lelf -lz; } >"$tmp/build-$name.log" 2>&1 \
        || { cat "$tmp/build-$name.log" >&2; die "building bpf $what failed"; }
      ;;
    *) die "$scenario_dir/build.list: unknown kind $kind" ;;
  esac
done <"$scenario_dir/build.list"

# --- 4. initramfs ------------------------------------------------------------------------------
# busybox-static's /bin/busybox (the busybox package's is dynamic; the two packages conflict).
ldd_out=$(ldd /bin/busybox 2>&1 || true)
[[ "$ldd_out" == *"not a dynamic executable"* ]] || die "/bin/busybox is not static (busybox-static?)"
cp /bin/busybox "$root/bin/busybox"
cp "$irsnap" "$root/bin/irsnap"
cp "$lab_dir/init.sh" "$root/init"
cp "$scenario_dir/guest.sh" "$root/lab/scenario.sh"
cp "$lab_dir"/guest-lib/*.sh "$root/lab/lib/"
chmod 755 "$root/init"
echo "$scenario" >"$root/lab/scenario-name"
: >"$root/lab/modules.order"
for ko in "${order[@]}"; do
  cp "$kcache/modules/$ko" "$root/lab/kmod/"
  echo "$ko" >>"$root/lab/modules.order"
done
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$tmp/initrd.gz"

# --- 5. boot -----------------------------------------------------------------------------------
# A scenario may ask for another guest size and shipping disk (scenarios/*/lab.conf).
LAB_MEMORY_MB=512
LAB_DISK_MB=256
# shellcheck source=/dev/null
[[ -f "$scenario_dir/lab.conf" ]] && . "$scenario_dir/lab.conf"
truncate -s "${LAB_DISK_MB}M" "$tmp/ship.img"
serial_raw="$tmp/serial.raw"
serial="$tmp/serial.log"
log "booting $kver with scenario $scenario (timeout ${qemu_timeout}s)"
start=$(date +%s)
qemu_rc=0
# panic=-1 with -no-reboot: a kernel panic ends QEMU at once instead of hanging to the timeout.
# no_timer_check: the boot-time check that the timer interrupt ticks fails under TCG on a loaded
# host (CI runs the lab beside builds) and panics with "IO-APIC + timer doesn't work".
timeout "$qemu_timeout" qemu-system-x86_64 -accel tcg -cpu max -m "$LAB_MEMORY_MB" -smp 1 \
  -nodefaults -no-reboot -display none -monitor none \
  -serial "file:$serial_raw" \
  -kernel "$kcache/vmlinuz" -initrd "$tmp/initrd.gz" \
  -append "console=ttyS0 panic=-1 loglevel=4 no_timer_check" \
  -drive "file=$tmp/ship.img,format=raw,if=virtio" </dev/null >&2 2>"$tmp/qemu.err" || qemu_rc=$?
boot_seconds=$(($(date +%s) - start))
touch "$serial_raw"
tr -d '\r' <"$serial_raw" >"$serial"  # the console writes CR LF
# QEMU that fails before the guest printed anything could not run here (no TCG, no memory): a
# skip, not a failure of irsnap. A guest that started and then failed is a failure.
if [[ $qemu_rc -ne 0 && ! -s "$serial" ]]; then
  skip "qemu-system-x86_64 could not run: exit $qemu_rc, $(head -n 1 "$tmp/qemu.err")"
fi
cat "$tmp/qemu.err" >&2
[[ $verbose -eq 1 ]] && cat "$serial" >&2
grep '^LAB: ' "$serial" >&2 || true
[[ $qemu_rc -eq 0 ]] || { cat "$serial" >&2; die "QEMU exited $qemu_rc (124: timeout)"; }
log "guest ran ${boot_seconds}s"

# --- 6. bundle back and checks -----------------------------------------------------------------
mkdir -p "$tmp/back"
tar -x -f "$tmp/ship.img" -C "$tmp/back" || { cat "$serial" >&2; die "no tar on the shipping disk"; }
bundles=("$tmp"/back/*/)
[[ ${#bundles[@]} -eq 1 && -f "${bundles[0]}/manifest.json" ]] \
  || { cat "$serial" >&2; die "expected one bundle on the shipping disk, found: $(ls "$tmp/back")"; }
if [[ -n "$keep" ]]; then
  mkdir -p "$keep"
  cp -r "${bundles[0]}" "$keep/"
  cp "$serial" "$keep/serial.log"
fi
check_rc=0
LAB_IRSNAP="$irsnap" LAB_BUNDLE="${bundles[0]%/}" LAB_SERIAL="$serial" LAB_SECONDS="$boot_seconds" \
  bash "$scenario_dir/check.sh" || check_rc=$?
if [[ $check_rc -ne 0 ]]; then
  [[ $verbose -eq 1 ]] || cat "$serial" >&2
  die "scenario $scenario FAILED"
fi
echo "kernel-lab: scenario $scenario passed (guest ${boot_seconds}s)"
