#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs everything, builds, and runs the whole suite (unit, golden, contract, integration)
# twice: on the static release build, then on an ASan+UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)

echo "== release (static) build and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DIRSNAP_STATIC=ON -DIRSNAP_BUILD_TESTS=ON
cmake --build build -j "$jobs"
# ldd exits 1 on a static binary, so capture its text rather than piping under pipefail.
ldd_out=$(ldd build/irsnap 2>&1 || true)
[[ "$ldd_out" == *"not a dynamic executable"* ]] || { echo "irsnap is not static: $ldd_out" >&2; exit 1; }
ctest --test-dir build --output-on-failure -j "$jobs"
# Collector pages are generated from the specs: fail when they drift from the code.
scripts/gen-collector-docs.sh build/irsnap --check

echo "== ASan + UBSan build and tests"
# -O1 -g1: line tables are all ASan's reports need, and full -g triples the build time.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DIRSNAP_SANITIZE=address,undefined -DIRSNAP_BUILD_TESTS=ON
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== fuzz smoke run (every parser target, a few seconds each; longer runs: scripts/fuzz.sh N)"
scripts/fuzz.sh 3

# Reaching here means every step passed (set -e); one closing line for whoever reads the log.
count() { ctest --test-dir "$1" -N | sed -n 's/^Total Tests: //p'; }
echo "tests: $(($(count build) + $(count build-asan))) passed, 0 failed"
