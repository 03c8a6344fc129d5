#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs everything, builds, and runs the suite: the integration tests against the static release
# binary (what responders run), then every test (unit, golden, contract, integration) on an
# ASan+UBSan build; clang-tidy over the sources alongside; a short fuzz run of every parser.
# The Windows build is cross-built first: its unit tests and an end-to-end collection run under
# Wine as one of the release tree's tests, and the Linux build verifies that bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)
# A test whose tool is missing fails here instead of skipping: install-deps.sh installed every
# tool, so a skip would hide a missing install step on a fresh machine.
export IRSNAP_REQUIRE_TOOLS=1
ctest_logs=$(mktemp -d "${TMPDIR:-/tmp}/irsnap-ctest.XXXXXX")
# Each step's heading says when it started, so a slow CI run shows where the time went.
step() { echo "== $* (at +${SECONDS} s)"; }

step "Windows cross build (mingw-w64): irsnap.exe, its unit tests, the Wine test program; the release tree's libarchive beside it"
# The release tree's static libarchive (scripts/build-libarchive.sh) builds beside the cross build
# at low priority: it fills what the cross build leaves idle (the configure steps run one check
# at a time). Everything apt does happens first, in the foreground: no two apt runs at once.
scripts/install-deps.sh --windows
libarchive_dir=$(pwd)/build/deps/libarchive
scripts/build-libarchive.sh linux "$libarchive_dir" --fetch
# OpenSSL's source package for the cross build's libcrypto (scripts/build-openssl.sh) too: its
# download may fall back through several versions, all of it here.
scripts/build-openssl.sh mingw "$(pwd)/build-windows/deps/openssl" --fetch
libarchive_log=$(mktemp "${TMPDIR:-/tmp}/irsnap-libarchive-log.XXXXXX")
nice -n 10 scripts/build-libarchive.sh linux "$libarchive_dir" >"$libarchive_log" 2>&1 &
libarchive_pid=$!
trap 'kill "$libarchive_pid" 2>/dev/null || true' EXIT
# Unity batches: a cold cross build of the portable core parses json, fmt and spdlog once per
# batch of eight files instead of once per file.
IRSNAP_WINDOWS_UNITY=ON scripts/build-windows.sh --tests
libarchive_rc=0
wait "$libarchive_pid" || libarchive_rc=$?
cat "$libarchive_log"
rm -f "$libarchive_log"
[ "$libarchive_rc" -eq 0 ] || exit "$libarchive_rc"

step "release (static) build and tests (with the Windows end-to-end test under Wine)"
# Unit tests are pure code: they run once, under the sanitizers below, which is where they find
# the most; here the integration tests exercise the static binary itself.
# Unity batches here too: the layers parse json, fmt and spdlog once per batch, and clang-tidy
# (below) reads this tree's compile_commands.json, so it checks eight sources per parse as well.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DIRSNAP_STATIC=ON -DIRSNAP_BUILD_TESTS=ON \
  -DIRSNAP_UNIT_TESTS=OFF -DIRSNAP_BENCH=OFF -DIRSNAP_WINDOWS_BUILD_DIR=build-windows -DIRSNAP_UNITY=ON \
  -DIRSNAP_LIBARCHIVE_DIR="$libarchive_dir"
cmake --build build -j "$jobs"
# ldd exits 1 on a static binary, so capture its text rather than piping under pipefail.
ldd_out=$(ldd build/irsnap 2>&1 || true)
[[ "$ldd_out" == *"not a dynamic executable"* ]] || { echo "irsnap is not static: $ldd_out" >&2; exit 1; }
# The kernel lab (docs/kernel-lab.md): Debian's kernel under QEMU, the test rootkits and the
# physical-memory scenario, against the static binary just built. Its packages and the kernel
# come first, in the foreground (apt); its boots, one QEMU at a time on one core, then run beside
# the tests that follow, and their result is read at the end.
step "kernel lab: packages and Debian's kernel (its scenarios run beside the tests below)"
# 77 is the lab's skip (no QEMU, no mirror): a failure here, as a missing tool is for the tests.
lab_rc=0
tests/kernel-lab/lab.sh --prepare || lab_rc=$?
[ "$lab_rc" -eq 0 ] || { echo "kernel lab: preparing failed (exit $lab_rc)" >&2; exit 1; }
lab_log=$(mktemp "${TMPDIR:-/tmp}/irsnap-kernel-lab-log.XXXXXX")
# setsid: a process group of its own, so that a failing step below stops its QEMU too. nice: it
# takes the CPU the tests and builds leave idle; each boot may take 300 s under that load.
LAB_QEMU_TIMEOUT=300 setsid nice -n 5 tests/kernel-lab/run-tests.sh --irsnap build/irsnap \
  >"$lab_log" 2>&1 &
lab_pid=$!
# clang-tidy runs beside the tests (they mostly wait on processes and I/O), at low priority.
tidy_log=$(mktemp "${TMPDIR:-/tmp}/irsnap-tidy-log.XXXXXX")
nice -n 10 scripts/tidy.sh build 2 >"$tidy_log" 2>&1 &
tidy_pid=$!
stop_lab() { kill -- -"$lab_pid" 2>/dev/null || true; }
# The fuzz targets (build-fuzz, clang) build from here on at low priority, beside the release
# tests, the sanitizer build and its tests, and run after them.
fuzz_log=$(mktemp "${TMPDIR:-/tmp}/irsnap-fuzz-build.XXXXXX")
IRSNAP_FUZZ_BUILD_ONLY=1 nice -n 10 scripts/fuzz.sh 1 >"$fuzz_log" 2>&1 &
fuzz_pid=$!
trap 'kill "$tidy_pid" "$fuzz_pid" 2>/dev/null || true; stop_lab' EXIT
ctest --test-dir build --output-on-failure -j "$jobs" | tee "$ctest_logs/release"
# Collector pages are generated from the specs: fail when they drift from the code.
scripts/gen-collector-docs.sh build/irsnap --check

step "ASan + UBSan build and tests"
# -O1 -g1: line tables are all ASan's reports need, and full -g triples the build time.
# Unity batches for the core, the CLI and the test executables (the per-OS sources stay single
# files): measured on this 2-core VM, the two test executables compile in 102 s batched against
# 378 s one file at a time (Debug -O0, no ccache).
# Debian's clang (the fuzz targets' compiler) rather than gcc: measured on this 2-core VM, idle,
# the same unity batches with the same flags compile in 23-25 s with clang against 30-37 s with
# gcc, the whole tree in 6.5 minutes, and the 796 tests ran in 116 s.
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DIRSNAP_SANITIZE=address,undefined -DIRSNAP_BUILD_TESTS=ON \
  -DIRSNAP_BENCH=OFF -DIRSNAP_UNITY=ON
cmake --build build-asan -j "$jobs"
# The fuzz targets go on building beside these tests (mostly serial: they wait on processes and
# I/O), and run after them. The fleet test (shell and Ansible plumbing around the binary)
# ran against the release tree; here it would only repeat that with a slower binary. So do the
# slowest plumbing tests of the shipped binary (a closed console, a noexec stick, the printed
# procedure, a stream that writes no file: 48 s under Debug, more under ASan), whose collections
# other sanitizer tests already make.
release_only='^(Collect\.BrokenOrClosedConsoleNeverCostsTheBundle|Procedure\.LinuxCommandRunsFromANoexecStick|Procedure\.HtmlIsSelfContainedAndPrintsOnOnePage|Stream\.CollectionWritesNoFileAnywhere)$'
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE fleet -E "$release_only" | tee "$ctest_logs/asan"

step "fuzz smoke run (every parser target, one second each; longer runs: scripts/fuzz.sh N)"
fuzz_rc=0
wait "$fuzz_pid" || fuzz_rc=$?
[ "$fuzz_rc" -eq 0 ] || { cat "$fuzz_log"; exit "$fuzz_rc"; }
rm -f "$fuzz_log"
scripts/fuzz.sh 1

step "kernel lab (started after the release build)"
lab_rc=0
wait "$lab_pid" || lab_rc=$?
cat "$lab_log"
lab_scenarios=$(sed -n 's/^all \([0-9]*\) scenarios passed$/\1/p' "$lab_log")
rm -f "$lab_log"
[ "$lab_rc" -eq 0 ] || { echo "kernel lab: exit $lab_rc" >&2; exit 1; }

step "clang-tidy"
tidy_rc=0
wait "$tidy_pid" || tidy_rc=$?
cat "$tidy_log"
rm -f "$tidy_log"
[ "$tidy_rc" -eq 0 ] || exit "$tidy_rc"

# Reaching here means every step passed (set -e); one closing line for whoever reads the log.
# Skipped tests (not root, a port taken ...) are counted apart, never as passed.
count() { ctest --test-dir "$@" -N | sed -n 's/^Total Tests: //p'; }
skipped=$(cat "$ctest_logs"/* | grep -c '(Skipped)$' || true)
rm -rf "$ctest_logs"
passed=$(($(count build) + $(count build-asan -LE fleet -E "$release_only") - skipped))
echo "tests: $passed passed and $lab_scenarios kernel-lab scenarios, 0 failed, $skipped skipped (${SECONDS} s)"
