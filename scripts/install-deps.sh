#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what irsnap needs on Debian 12 with apt-get, skipping what is already there.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   plus what the test suite uses
#   scripts/install-deps.sh --windows  the mingw-w64 cross build (scripts/build-windows.sh)
set -euo pipefail

packages=(g++ cmake ninja-build git pkg-config
          libboost-program-options-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libssl-dev
          libsqlite3-dev)
if [[ "${1:-}" == "--windows" ]]; then
  # posix thread model (spdlog needs std::mutex); Boost headers of the version whose sources
  # build-windows.sh compiles (its source package is an .orig.tar.xz: xz-utils, not on a minimal
  # system); wine64 runs the result (its programs live in /usr/lib/wine: no `wine` on PATH);
  # iproute2: the Wine session sets up its own network namespace with `ip`.
  packages=(g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 cmake ninja-build
            libboost1.74-dev nlohmann-json3-dev libspdlog-dev libfmt-dev wine64 googletest
            xz-utils iproute2)
elif [[ "${1:-}" == "--test" ]]; then
  # python3: the fleet test and run-clang-tidy (named, not left to other packages' Depends).
  # strace: the stream test proves nothing is written; chromium + poppler-utils: the printed
  # procedure is rendered to PDF and its pages counted.
  # openssh-server/-client, ansible-core, iproute2: the fleet test runs irsnap-ssh.sh and the
  # Ansible playbook against sshds in network namespaces (installing openssh-server may start
  # a system sshd on port 22; the test's own sshds listen only on their namespace addresses).
  # sleuthkit: mactime reads the bodyfile `irsnap export --format bodyfile` writes.
  packages+=(libgtest-dev util-linux clang clang-tidy libclang-rt-14-dev strace chromium poppler-utils
             openssh-server openssh-client ansible-core iproute2 python3 sleuthkit)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || {
      echo "install-deps.sh: run as root to install ${missing[*]} (sudo is not installed)" >&2
      exit 1
    }
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi
