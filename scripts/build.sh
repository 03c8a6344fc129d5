#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the build dependencies and builds the fully static field binary build/irsnap.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DIRSNAP_STATIC=ON -DIRSNAP_BUILD_TESTS=OFF
cmake --build build --target irsnap
if ! ldd build/irsnap 2>&1 | grep -q "not a dynamic executable"; then
  echo "build.sh: build/irsnap is not fully static" >&2
  exit 1
fi
echo "built $(pwd)/build/irsnap (static); run it as root: ./build/irsnap"
