#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Windows build under Wine, by itself (scripts/test.sh runs the same as part of the suite):
# cross-builds irsnap.exe and its tests, builds the Linux binary with the end-to-end test
# (tests/windows/wine_end_to_end.cpp) and runs it: the Windows unit tests under Wine, then
# irsnap.exe collect in a fresh network namespace with a planted Run value, a loopback listener
# and a held file, checked record by record; the Linux build verifies that bundle and its tar
# and rejects a tampered copy. Needs root (unshare -n).
#   scripts/windows-wine-check.sh [LINUX_BUILD_DIR]     (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
linux_build=${1:-build}
scripts/build-windows.sh --tests
scripts/install-deps.sh --test >/dev/null
# The static Linux binary links libarchive built from Debian's source (cached by its stamp).
libarchive_dir=$(realpath -m "$linux_build")/deps/libarchive
scripts/build-libarchive.sh linux "$libarchive_dir" >/dev/null
cmake -S . -B "$linux_build" -G Ninja -DIRSNAP_BUILD_TESTS=ON \
  -DIRSNAP_LIBARCHIVE_DIR="$libarchive_dir" \
  -DIRSNAP_WINDOWS_BUILD_DIR="$(pwd)/build-windows" >/dev/null
cmake --build "$linux_build" --target irsnap irsnap_wine_tests -j "$(nproc)"
ctest --test-dir "$linux_build" -L windows --output-on-failure
