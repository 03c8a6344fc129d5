#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (build-fuzz/, clang, ASan+UBSan) and runs each one for a bounded
# time. Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 5)] [TARGET...]
# (IRSNAP_FUZZ_BUILD_ONLY=1 only builds them; FUZZ_JOBS targets run at once, default: the CPUs.)
# TARGET names are those of tests/fuzz/CMakeLists.txt (e.g. fuzz_proc_pid_stat); default: all.
#
# The seed corpus tests/fuzz/corpus/<target without "fuzz_">/ is only read: libFuzzer writes the
# inputs it finds into a temporary directory given as the FIRST corpus directory. Crashing inputs
# are copied to tests/fuzz/artifacts/ (ignored by git) and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-5}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "fuzz.sh: seconds per target must be a positive integer, got '$seconds'" >&2
  exit 2
fi
shift $(( $# > 0 ? 1 : 0 ))

# Longest input per target: a little above the largest realistic file of its kind.
declare -A max_len=(
  [fuzz_proc_pid_stat]=1024
  [fuzz_proc_pid_status]=4096
  [fuzz_proc_pid_cmdline]=4096
  [fuzz_proc_pid_mountinfo]=8192
  [fuzz_proc_pid_cgroup]=2048
  [fuzz_proc_net_inet]=8192
  [fuzz_proc_net_unix]=8192
  [fuzz_sock_diag]=8192
  [fuzz_rtnetlink]=8192
  [fuzz_proc_net_route]=8192
  [fuzz_proc_misc]=2048
  [fuzz_etc_passwd]=4096
  [fuzz_etc_files]=4096
  [fuzz_utmp]=2048
  [fuzz_text_escape]=1024
  [fuzz_proc_pid_maps]=16384
  [fuzz_kernel_modules]=8192
  [fuzz_hidden_pids]=8192
  [fuzz_tar_reader]=8192
  [fuzz_rpm_header]=8192
  [fuzz_dpkg_files]=16384
  [fuzz_apk_installed]=16384
  # ELF: a minimal shared object with a dynamic symbol table is a few hundred bytes.
  [fuzz_elf_dynsym]=16384
  # age: headers of a few hundred bytes per recipient; mode 0x01 seals its own chunks, so a
  # second and a final chunk are reached from a dozen bytes and no input needs to hold a 64 KiB
  # chunk (a longer limit would only slow the short CI runs down with unauthenticated bytes).
  [fuzz_age]=16384
)
# Every tests/fuzz/fuzz_*.cpp is a target (the CMake file globs the same way).
mapfile -t all_targets < <(cd tests/fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi
for t in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/$t.cpp" ]; then
    echo "fuzz.sh: unknown target '$t' (known: ${all_targets[*]})" >&2
    exit 2
  fi
  : "${max_len[$t]:=4096}"  # targets not listed above take a typical config-file size
done

echo "== configuring and building build-fuzz with clang"
# -O1, as OSS-Fuzz builds its targets: the sanitizers' checks dominate each run either way, and
# the build (on CI's critical path after the sanitizer tests) costs less than at -O2.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DIRSNAP_FUZZ=ON -DIRSNAP_STATIC=OFF \
  -DIRSNAP_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -DNDEBUG" \
  >/dev/null
cmake --build build-fuzz --target "${targets[@]}"
# IRSNAP_FUZZ_BUILD_ONLY=1: build and stop (scripts/test.sh builds beside the sanitizer tests and
# runs the targets afterwards).
if [ "${IRSNAP_FUZZ_BUILD_ONLY:-0}" = 1 ]; then exit 0; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/irsnap-fuzz.XXXXXX")
keep_work=0
cleanup() { if [ "$keep_work" -eq 0 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# One target's run; its verdict goes to $work/$t/result ("ok ..." or "FAIL ..."). Each libFuzzer
# run is one process on one core, so FUZZ_JOBS (default: the CPUs) of them run at once.
run_target() {
  local t=$1
  local seeds="$root/tests/fuzz/corpus/${t#fuzz_}"
  local new="$work/$t/corpus"
  local artifacts="$work/$t/artifacts/"
  local log="$work/$t/log.txt"
  mkdir -p "$new" "$artifacts"
  local corpus_dirs=("$new")
  if [ -d "$seeds" ]; then corpus_dirs+=("$seeds"); fi
  local rc=0
  (cd "$work/$t" && "$root/build-fuzz/tests/fuzz/$t" -max_total_time="$seconds" \
    -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "${corpus_dirs[@]}") >"$log" 2>&1 || rc=$?
  local execs cov found
  # A run that died at once has no stats: empty values, never a set -e exit before the verdict.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1 || true)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}' || true)
  found=$(find "$new" -type f | wc -l || true)
  if [ "$rc" -ne 0 ] || compgen -G "$artifacts*" >/dev/null; then
    printf 'FAIL %s %s\n' "$rc" "$(printf '%-26s FAIL  execs=%s' "$t" "${execs:-?}")" \
      >"$work/$t/result"
  else
    printf 'ok 0 %s\n' "$(printf '%-26s ok    execs=%-9s cov=%-5s new_inputs=%s' \
      "$t" "${execs:-?}" "${cov:-?}" "$found")" >"$work/$t/result"
  fi
}

jobs=${FUZZ_JOBS:-$(nproc)}
running=0
for t in "${targets[@]}"; do
  echo "== $t: ${seconds}s, -max_len=${max_len[$t]}"
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

failed=()
summary=()
for t in "${targets[@]}"; do
  read -r verdict rc line <"$work/$t/result" || { verdict=FAIL; rc='?'; line="$t FAIL (no result)"; }
  summary+=("$line")
  if [ "$verdict" != ok ]; then
    failed+=("$t")
    keep_work=1
    artifacts="$work/$t/artifacts/"
    mkdir -p "$root/tests/fuzz/artifacts/$t"
    cp -a "$artifacts". "$root/tests/fuzz/artifacts/$t/" 2>/dev/null || true
    echo "!! $t failed (exit $rc); last lines of $work/$t/log.txt:" >&2
    tail -n 40 "$work/$t/log.txt" >&2
    echo "!! crashing inputs copied to tests/fuzz/artifacts/$t/" >&2
  fi
done

echo "== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]} (logs kept in $work)" >&2
  exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ran clean"
