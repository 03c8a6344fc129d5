#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every kernel-lab scenario (one QEMU boot each, one after the other: never two QEMUs at
# once) and prints the results table: technique x what the guest's tools saw x what irsnap saw.
#
#   tests/kernel-lab/run-tests.sh --irsnap PATH [--cache DIR] [SCENARIO...]
#
# Exit: 0 all passed; 1 a scenario failed; 77 the lab was skipped (lab.sh's reason printed).
# Not part of scripts/test.sh or .ci/run yet (docs/kernel-lab.md).
set -euo pipefail
lab_dir=$(cd "$(dirname "$0")" && pwd)
lab_args=()
scenarios=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --irsnap|--cache) lab_args+=("$1" "${2:?}"); shift 2 ;;
    -h|--help) sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run-tests.sh: unknown option $1" >&2; exit 2 ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
if [[ ${#scenarios[@]} -eq 0 ]]; then
  # Sorted by name (module-hide before module-hide-notrace: the glob's trailing / sorts after -).
  mapfile -t scenarios < <(for d in "$lab_dir"/scenarios/*/; do basename "$d"; done | LC_ALL=C sort)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/irsnap-kernel-lab-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=()
rows=()
times=()
for s in "${scenarios[@]}"; do
  echo "=== $s"
  start=$(date +%s)
  rc=0
  "$lab_dir/lab.sh" "${lab_args[@]}" --scenario "$s" 2>&1 | tee "$tmp/$s.log" || rc=${PIPESTATUS[0]}
  [[ $rc -eq 77 ]] && exit 77  # QEMU or the packages are not available here: lab.sh said why
  [[ $rc -eq 0 ]] || failed+=("$s")
  times+=("$s $(($(date +%s) - start))s")
  while IFS= read -r line; do rows+=("$s|${line#LAB-ROW|}"); done \
    < <(grep '^LAB-ROW|' "$tmp/$s.log" || true)
  [[ $rc -eq 0 ]] || rows+=("$s|FAILED|see the log above|")
done

echo
echo "| scenario | rootkit technique | what the guest's tools saw | what irsnap saw |"
echo "|---|---|---|---|"
for r in "${rows[@]}"; do
  IFS='|' read -r scen tech guest seen <<<"$r"
  echo "| $scen | $tech | $guest | $seen |"
done
echo
echo "wall time per scenario (lab.sh, boot included): ${times[*]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all ${#scenarios[@]} scenarios passed"
