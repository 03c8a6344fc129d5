#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the build dependencies and builds the fully static field binary build/irsnap (with the
# static libarchive scripts/build-libarchive.sh builds into build/deps/libarchive).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# libarchive for specimen archives, built once from Debian's source package (cached by a stamp).
scripts/build-libarchive.sh linux build/deps/libarchive
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DIRSNAP_STATIC=ON -DIRSNAP_BUILD_TESTS=OFF \
  -DIRSNAP_LIBARCHIVE_DIR="$(pwd)/build/deps/libarchive"
cmake --build build --target irsnap
# ldd exits 1 on a static binary, so capture its text rather than piping under pipefail.
ldd_out=$(ldd build/irsnap 2>&1 || true)
if [[ "$ldd_out" != *"not a dynamic executable"* ]]; then
  echo "build.sh: build/irsnap is not fully static: $ldd_out" >&2
  exit 1
fi
echo "built $(pwd)/build/irsnap (static); run it as root: ./build/irsnap"
