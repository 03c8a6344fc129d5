#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what irsnap needs on Debian 12 with apt-get, skipping what is already there.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   plus what the test suite uses
#   scripts/install-deps.sh --windows  the mingw-w64 cross build (scripts/build-windows.sh)
#   scripts/install-deps.sh --source PACKAGE=VERSION
#                                    make sure `apt-get source` can fetch that source package:
#                                    adds Debian's deb-src entries (bookworm, bookworm-updates,
#                                    bookworm-security) when apt has none that hold it
set -euo pipefail

# Sets sudo_cmd for a change to the system (what: the message if that cannot be done).
as_root() {
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] || return 0
  command -v sudo >/dev/null || {
    echo "install-deps.sh: run as root to $1 (sudo is not installed)" >&2
    exit 1
  }
  sudo_cmd=(sudo)
}

if [[ "${1:-}" == "--source" ]]; then
  [[ -n "${2:-}" ]] || { echo "usage: install-deps.sh --source PACKAGE=VERSION" >&2; exit 2; }
  apt-get source --print-uris -qq "$2" >/dev/null 2>&1 && exit 0
  # A security update (libarchive's deb12u5) is only in bookworm-security's sources.
  src_list=/etc/apt/sources.list.d/irsnap-deb-src.sources
  as_root "add deb-src entries for $2"
  echo "install-deps.sh: adding deb-src entries for $2 ($src_list)"
  printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' \
    'Suites: bookworm bookworm-updates' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' '' \
    'Types: deb-src' 'URIs: http://deb.debian.org/debian-security' \
    'Suites: bookworm-security' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
    "${sudo_cmd[@]}" tee "$src_list" >/dev/null
  "${sudo_cmd[@]}" apt-get update -qq
  apt-get source --print-uris -qq "$2" >/dev/null || {
    echo "install-deps.sh: apt cannot fetch the source package $2" >&2
    exit 1
  }
  exit 0
fi

# libarchive-dev: ZIP writing for dynamic builds; the static binary links libarchive built from
# Debian's source package (scripts/build-libarchive.sh: dpkg-dev unpacks it, xz-utils its
# .orig.tar.xz, zlib1g-dev has libz.a). The BPF iterators: clang compiles them for the BPF
# target, bpftool turns each object into a skeleton header, libbpf-dev and libelf-dev have the
# static archives the binary links (libbpf.a, libelf.a).
packages=(g++ cmake ninja-build git pkg-config
          libboost-program-options-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libssl-dev
          libsqlite3-dev libarchive-dev zlib1g-dev dpkg-dev xz-utils
          clang libbpf-dev libelf-dev bpftool)
if [[ "${1:-}" == "--windows" ]]; then
  # posix thread model (spdlog needs std::mutex); Boost headers of the version whose sources
  # build-windows.sh compiles (its source package is an .orig.tar.xz: xz-utils, not on a minimal
  # system); wine64 runs the result (its programs live in /usr/lib/wine: no `wine` on PATH);
  # iproute2: the Wine session sets up its own network namespace with `ip`. libarchive is built
  # from Debian's source package with the mingw C compiler (dpkg-dev unpacks it) against
  # libz-mingw-w64-dev's libz.a. lldb: the Wine test opens irsnap.exe's minidump with a
  # debugger's own reader. OpenSSL's libcrypto is built from Debian's source package too
  # (scripts/build-openssl.sh): its Configure is perl, its build make (named, not left to
  # dpkg-dev's Depends, which make-guile also satisfies).
  packages=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
            cmake ninja-build libboost1.74-dev nlohmann-json3-dev libspdlog-dev libfmt-dev wine64
            googletest xz-utils dpkg-dev libz-mingw-w64-dev iproute2 lldb perl make)
elif [[ "${1:-}" == "--test" ]]; then
  # python3: the fleet test and run-clang-tidy (named, not left to other packages' Depends).
  # strace: the stream test proves nothing is written; chromium + poppler-utils: the printed
  # procedure is rendered to PDF and its pages counted.
  # openssh-server/-client, ansible-core, iproute2: the fleet test runs irsnap-ssh.sh and the
  # Ansible playbook against sshds in network namespaces (installing openssh-server may start
  # a system sshd on port 22; the test's own sshds listen only on their namespace addresses).
  # unzip, p7zip-full: the specimen tests open the 'infected' archives with the readers
  # analysts use (Python's zipfile is the third). sleuthkit: mactime reads the bodyfile
  # `irsnap export --format bodyfile` writes. rpm (rpmbuild included): the rpm database test
  # builds a package and installs it into a database of its own (--dbpath, --justdb).
  # gdb, file, binutils: the memory test opens irsnap's ELF cores with the tools analysts use.
  # age: the sealed-bundle test opens irsnap's .tar.age with the reference tool and back.
  # tcpdump: the packet ring test reads the pcap irsnap writes with the reader analysts use.
  packages+=(libgtest-dev util-linux clang clang-tidy libclang-rt-14-dev strace chromium poppler-utils
             openssh-server openssh-client ansible-core iproute2 python3 unzip p7zip-full sleuthkit
             rpm gdb file binutils age tcpdump)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  as_root "install ${missing[*]}"
  echo "installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi
