#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# clang-tidy over every irsnap source (src/, collectors/; the checks are in .clang-tidy, all
# warnings are errors). Usage: scripts/tidy.sh [BUILD_DIR (default build)] [JOBS (default nproc)]
# BUILD_DIR must hold compile_commands.json (every CMake configure here writes one) and sit inside
# the repository, so that clang-tidy finds .clang-tidy from the files it names. With
# -DIRSNAP_UNITY=ON the compile database names unity batches: each is checked once, and the
# header filter reports what is found in the sources it includes (measured: 74 parses and 169 s
# on two cores instead of about 220 parses and 1277 s). bugprone-suspicious-include is off here
# because including .cpp files is what a batch is.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
jobs=${2:-$(nproc)}
[[ -f "$build/compile_commands.json" ]] || { echo "tidy.sh: no $build/compile_commands.json" >&2; exit 2; }
log=$(mktemp "${TMPDIR:-/tmp}/irsnap-tidy.XXXXXX")
trap 'rm -f "$log"' EXIT
start=$SECONDS
# Sources only: the tests' own code (batched too, in tests/CMakeFiles) is checked by the
# compiler's warnings and by running it.
if ! run-clang-tidy -quiet -checks=-bugprone-suspicious-include -p "$build" -j "$jobs" "($PWD/(src|collectors)/.*\.cpp|/CMakeFiles/irsnap(_base|_platform|_core|_collectors|_analysis)?\.dir/Unity/unity_[0-9]+_cxx\.cxx)$" >"$log" 2>&1; then
  grep -E '(warning|error):' "$log" | sort -u >&2 || tail -n 40 "$log" >&2
  echo "tidy.sh: clang-tidy found problems (above)" >&2
  exit 1
fi
files=$(grep -c '^clang-tidy' "$log" || true)
echo "tidy.sh: clang-tidy clean over ${files} files in $((SECONDS - start)) s"
