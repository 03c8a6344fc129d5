#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every analyst-side command over every case of the hostile-bundle corpus (make_corpus.sh)
# and fails when one crashes (exit >= 128 or 6, an internal error), hangs (timeout), runs out of
# its address space (prlimit --as), writes anything outside its own output (the corpus and the
# working directory are listed before and after), or exits 0 on a case that must not verify.
#   tests/hostile/run_corpus.sh IRSNAP_BINARY
# Environment:
#   IRSNAP_HOSTILE_TIMEOUT  seconds per command (default 60)
#   IRSNAP_HOSTILE_KEEP=1   keep the work directory for a look afterwards
set -uo pipefail
irsnap=$(realpath "${1:?usage: run_corpus.sh IRSNAP_BINARY}")
here=$(cd "$(dirname "$0")" && pwd)
limit=${IRSNAP_HOSTILE_TIMEOUT:-60}

work=$(mktemp -d "${TMPDIR:-/tmp}/irsnap-hostile.XXXXXX")
cleanup() { [[ "${IRSNAP_HOSTILE_KEEP:-}" == 1 ]] || rm -rf "$work"; }
trap cleanup EXIT
corpus="$work/corpus"
started=$SECONDS
"$here/make_corpus.sh" "$corpus" || { echo "FAIL: make_corpus.sh" >&2; exit 1; }
echo "corpus: $(ls -A "$corpus" | grep -vc '^\.') cases in $((SECONDS - started)) s," \
  "$(du -sk "$corpus" | cut -f1) KiB on disk"

# A sanitizer build reserves terabytes of address space: the limit applies to plain builds
# (the release tree that scripts/test.sh runs this in).
memory=(prlimit --as=$((2 << 30)) --)
if "$irsnap" --version | grep -q '^sanitizers:'; then memory=(); fi

listing() {
  # Type, size and mtime of every entry (names may hold newlines: NUL-separated, then hexed).
  find "$1" -printf '%P\t%y\t%s\t%T@\0' | sort -z | od -An -tx1 | tr -d ' \n'
}

failures=0
runs=0
before=$(listing "$corpus")

# Cases edited so as to fail verify: no command may exit 0 on them.
must_fail_verify=" symlink_artifacts fifo_manifest fifo_artifact fifo_custody sparse_manifest
  deep_manifest trailing_slash.tar dotdot.tar duplicate.tar truncated.tar "
# Digests intact, records not as the manifest lists them: verify passes, analysis must not.
must_fail_analysis=" record_count "
not_bundles=" not_a_bundle not_a_bundle.tar "

fail() {
  local case=$1
  shift
  echo "FAIL $case: $*"
  failures=$((failures + 1))
}

# run CASE EXPECT -- ARGV...: EXPECT is "any", "not0" or an exit code.
run() {
  local case=$1 expect=$2
  shift 3
  local cwd="$work/cwd" out="$work/out"
  rm -rf "$cwd" "$out"
  mkdir -p "$cwd" "$out"
  runs=$((runs + 1))
  local t0=$SECONDS rc=0
  (cd "$cwd" && timeout -k 5 "$limit" "${memory[@]}" "$irsnap" "$@" \
    >"$work/stdout" 2>"$work/stderr" </dev/null) || rc=$?
  local what="irsnap ${*//$corpus\//}"
  if ((rc == 124 || rc == 137)); then
    fail "$case" "$what: no answer within ${limit} s (exit $rc)"
  elif ((rc >= 128)); then
    fail "$case" "$what: killed by signal $((rc - 128)): $(tail -c 300 "$work/stderr")"
  elif ((rc == 6)); then
    fail "$case" "$what: internal error (exit 6; out of memory under the limit?):" \
      "$(tail -c 300 "$work/stderr")"
  elif [[ "$expect" == not0 ]] && ((rc == 0)); then
    fail "$case" "$what: exit 0 on a bundle that must not verify"
  elif [[ "$expect" =~ ^[0-9]+$ ]] && ((rc != expect)); then
    fail "$case" "$what: exit $rc, expected $expect: $(tail -c 300 "$work/stderr")"
  fi
  if [[ -n "$(ls -A "$cwd")" ]]; then
    fail "$case" "$what: wrote into its working directory: $(ls -A "$cwd" | head -3)"
  fi
  if ((SECONDS - t0 > 20)); then echo "slow: $what took $((SECONDS - t0)) s"; fi
}

for path in "$corpus"/*; do
  case=$(basename "$path")
  verify_expect=any
  [[ "$must_fail_verify" == *" $case "* ]] && verify_expect=not0
  [[ "$case" == valid || "$case" == valid.tar ]] && verify_expect=0
  [[ "$not_bundles" == *" $case "* ]] && verify_expect=2
  analysis_expect=$verify_expect
  [[ "$must_fail_analysis" == *" $case "* ]] && analysis_expect=5
  run "$case" "$verify_expect" -- verify "$path"
  run "$case" "$verify_expect" -- verify --json "$path"
  unpack_expect=$verify_expect
  [[ -d "$path" ]] && unpack_expect=2  # unpack takes tar files only
  run "$case" "$unpack_expect" -- unpack "$path" "$work/out"
  run "$case" "$analysis_expect" -- triage "$path"
  run "$case" "$analysis_expect" -- triage --json "$path"
  run "$case" "$analysis_expect" -- stack "$path"
  for format in sqlite jsonl timesketch bodyfile; do
    run "$case" "$analysis_expect" -- export "$path" --format "$format" -o "$work/out/export.$format"
  done
  # custody appends to the bundle it is given: a copy, so the corpus stays as it was.
  if [[ -d "$path" ]]; then
    rm -rf "$work/copy"
    mkdir -p "$work/copy"
    cp -a "$path" "$work/copy/" && cp -a "$corpus/.outside" "$work/copy/"
    run "$case" "$verify_expect" -- custody "$work/copy/$case" --event examined --by hostile-test
  else
    run "$case" 2 -- custody "$path" --event examined --by hostile-test
  fi
done
# Every case together, and the corpus directory itself as a fleet directory.
run all any -- stack "$corpus"/*
run all any -- stack "$corpus"

after=$(listing "$corpus")
if [[ "$before" != "$after" ]]; then
  echo "FAIL: the corpus changed while it was read"
  failures=$((failures + 1))
fi
echo "hostile corpus: $runs runs, $failures failed, $((SECONDS - started)) s"
((failures == 0))
