# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Host-side helpers of the scenarios' check.sh (lab.sh runs check.sh with LAB_IRSNAP, LAB_BUNDLE,
# LAB_SERIAL and LAB_SECONDS set). Every check prints ok or FAIL; check_done exits 1 after any FAIL.
set -euo pipefail
: "${LAB_IRSNAP:?}" "${LAB_BUNDLE:?}" "${LAB_SERIAL:?}"
lab_failed=0
check() {
  local what=$1
  shift
  if "$@"; then echo "  ok   $what"; else echo "  FAIL $what"; lab_failed=1; fi
}
check_done() { [[ $lab_failed -eq 0 ]]; }
# serial_says TEXT: the guest printed the line "LAB: TEXT".
serial_says() { grep -qxF "LAB: $1" "$LAB_SERIAL"; }
no_unproven() { ! grep -q '^LAB: NOT-PROVEN' "$LAB_SERIAL"; }
# serial_value KEY: the rest of the guest's line "LAB: KEY rest".
serial_value() { sed -n "s/^LAB: $1 //p" "$LAB_SERIAL" | head -n 1; }
# serial_value_all KEY: every such line's rest, one a line.
serial_value_all() { sed -n "s/^LAB: $1 //p" "$LAB_SERIAL"; }
# records COLLECTOR: the collector's records, one JSON object a line (artifacts/NN_COLLECTOR.jsonl;
# the NN keeps "processes" from matching "hidden_processes").
records() { cat "$LAB_BUNDLE"/artifacts/[0-9][0-9]_"$1".jsonl; }
# any_record COLLECTOR JQ_FILTER [jq args]: some record of the collector matches the filter.
any_record() {
  local collector=$1 filter=$2
  shift 2
  records "$collector" | jq -e -s "$@" "any(.[]; $filter)" >/dev/null
}
# triage_has RULE URGENCY: `irsnap triage --json` raised the rule with that urgency.
triage_json() { "$LAB_IRSNAP" triage --json "$LAB_BUNDLE" 2>/dev/null || true; }
triage_has() {
  triage_json | jq -e --arg r "$1" --arg u "$2" \
    '[.. | objects | select(.rule_id? == $r and .urgency? == $u)] | length > 0' >/dev/null
}
verify_ok() { "$LAB_IRSNAP" verify "$LAB_BUNDLE" >/dev/null; }
# row TECHNIQUE GUEST IRSNAP: one line of the results table (run-tests.sh collects them).
row() { echo "LAB-ROW|$1|$2|$3"; }
# not_triage_has RULE: triage ran and raised the rule at no urgency.
not_triage_has() {
  local out
  out=$("$LAB_IRSNAP" triage --json "$LAB_BUNDLE" 2>/dev/null) || return 1
  echo "$out" | jq -e --arg r "$1" '[.. | objects | select(.rule_id? == $r)] | length == 0' >/dev/null
}
# check_guest_proofs PROOF...: the guest proved each (its tools are blind), proved nothing false,
# collected a valid bundle (collect exit 0, or 1 for reduced coverage: docs/exit-codes.md) that
# verifies in the guest and on the host. Every scenario's checks start with these.
check_guest_proofs() {
  local p collect_exit
  for p in "$@"; do check "PROVEN $p" serial_says "PROVEN $p"; done
  check "no NOT-PROVEN line" no_unproven
  collect_exit=$(serial_value COLLECT-EXIT)
  check "irsnap collect in the guest exited 0 or 1 (was '$collect_exit')" \
    test "$collect_exit" = 0 -o "$collect_exit" = 1
  # A scenario that ships irsnap's own stream (SHIP_STREAM=1) is verified on the host only.
  if serial_says "GUEST-VERIFY-EXIT stream"; then
    echo "  (a stream: verified on the host)"
  else
    check "irsnap verify in the guest" serial_says "GUEST-VERIFY-EXIT 0"
  fi
  echo "host: the bundle"
  check "irsnap verify on the host" verify_ok
}
