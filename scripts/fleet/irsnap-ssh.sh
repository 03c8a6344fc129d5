#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# irsnap-ssh.sh: runs irsnap on many Linux hosts over plain ssh and brings every bundle home.
# docs/fleet.md explains the design; `irsnap-ssh.sh --help` is the reference.
set -euo pipefail

readonly k_prog=irsnap-ssh.sh

usage() {
  cat <<'EOF'
Usage: irsnap-ssh.sh [OPTIONS] HOSTS_FILE [-- IRSNAP_ARGS...]

Runs `irsnap collect -o -` on every host in HOSTS_FILE over ssh, a few hosts at a time, and
stores each bundle locally as OUTDIR/<name>.tar. The static irsnap binary travels over the same
ssh connection into memory-backed storage on the host (the first of /dev/shm, /run/user/UID,
/run that is a tmpfs and allows execution), runs there and is removed again, also when the run
fails or the connection drops. Nothing is written to the host's disks. Each bundle is then
checked here with `irsnap verify`. One failing host never stops the others. Never prompts.

HOSTS_FILE  one [user@]host[:port] per line ([user@][ipv6-address]:port with a port); `#` starts
            a comment; blank lines are ignored; `-` reads the list from stdin.

Options:
  -b, --binary PATH   irsnap to push and to verify with (default: build/irsnap of this
                      checkout, else irsnap on PATH). Use the static build: a dynamic one
                      would load the host's libraries.
  -d, --outdir DIR    where results go (default: ./irsnap-fleet-YYYYMMDDTHHMMSSZ, UTC); created
                      with mode 0700; existing results in it are never overwritten.
  -j, --jobs N        hosts at a time (default 8).
  -o OPTION           passed to ssh as `-o OPTION`; repeatable. Defaults that an -o overrides:
                      ConnectTimeout=10, ServerAliveInterval=15, ServerAliveCountMax=4.
                      BatchMode=yes is always set (no password or host-key prompts).
  -i FILE             ssh identity file (ssh -i).
  -F FILE             ssh config file (ssh -F).
  --sudo              run irsnap as `sudo -n` on the host; a host where sudo would ask for a
                      password fails with code 122 instead of prompting.
  --remote-dir DIR    stage the binary in DIR on every host instead of detecting a directory
                      (DIR must exist and allow execution; it is not checked for tmpfs).
  --timeout S         give up on a host after S seconds (default 0: no limit).
  -q, --quiet         no per-host progress lines on stderr.
  -h, --help          this help.

IRSNAP_ARGS after `--` are appended to `irsnap collect -o -`, for example
  irsnap-ssh.sh hosts.txt -- --case-id CASE-7 --examiner "A. Analyst" --nice
(-o/--output and --json are refused: stdout carries the tar).

Results in OUTDIR, for each host (NAME: the host, or host_port when a port is given):
  NAME.tar      the bundle as streamed; kept even when the run failed, since a partial or
                interrupted bundle still verifies and is evidence
  NAME.log      the host's stderr (irsnap progress, manifest digest, errors), then the local
                verify report
  NAME.status   key=value lines: host, name, rc, meaning, bytes, seconds, verify
  summary.tsv   the summary table, tab-separated
The summary table (host, exit code, meaning, bytes, seconds, verify) is printed on stdout.

Exit codes in the table: irsnap's own (0 ok, 1 reduced coverage, 2 usage, 3 output unusable,
4 interrupted on the host, 6 internal error; see irsnap --help), or from this script:
  120  no memory-backed directory allowing execution on the host (see --remote-dir)
  121  the binary arrived incomplete
  122  sudo -n refused (it would need a password or a tty)
  124  --timeout reached
  130  interrupted here (Ctrl-C, SIGTERM)
  255  ssh failed: unreachable, refused, authentication or host key
  other codes above 128: the remote side was killed by signal (code - 128)
The verify column is `ok`, `FAILED` (see NAME.log), `FAILED-other-binary` (the manifest's
executable digest is not this binary's) or `none` (no bundle arrived).

Exit code of this script:
  0  every host gave a verified bundle with full coverage
  1  every host gave a verified bundle, some with reduced coverage (irsnap exit 1)
  2  usage error, nothing was run
  3  at least one host failed (any other code, a bundle that does not verify, or interrupted)
EOF
}

# Settings, filled by parse_args.
binary=""
outdir=""
jobs=8
ssh_user_opts=()
use_sudo=0
remote_dir=""
timeout_s=0
quiet=0
hosts_file=""
irsnap_args=()

# The host list, filled by read_hosts: the ssh target and the local file name of each host.
specs=()
names=()

# Filled by check_binary.
binary_size=0
binary_sha256=""

# Background jobs (one per host) and whether a signal asked us to stop.
job_pids=()
stopping=0

die_usage() {
  printf '%s: %s\n' "$k_prog" "$1" >&2
  printf 'Try %s --help\n' "$k_prog" >&2
  exit 2
}

say() {
  ((quiet)) || printf '%s: %s\n' "$k_prog" "$*" >&2
}

parse_args() {
  while (($#)); do
    case "$1" in
      -h | --help) usage; exit 0 ;;
      -b | --binary) (($# >= 2)) || die_usage "$1 needs a path"; binary=$2; shift 2 ;;
      -d | --outdir) (($# >= 2)) || die_usage "$1 needs a directory"; outdir=$2; shift 2 ;;
      -j | --jobs) (($# >= 2)) || die_usage "$1 needs a number"; jobs=$2; shift 2 ;;
      -o) (($# >= 2)) || die_usage "-o needs an ssh option"; ssh_user_opts+=(-o "$2"); shift 2 ;;
      -i) (($# >= 2)) || die_usage "-i needs a file"; ssh_user_opts+=(-i "$2"); shift 2 ;;
      -F) (($# >= 2)) || die_usage "-F needs a file"; ssh_user_opts+=(-F "$2"); shift 2 ;;
      --sudo) use_sudo=1; shift ;;
      --remote-dir) (($# >= 2)) || die_usage "$1 needs a directory"; remote_dir=$2; shift 2 ;;
      --timeout) (($# >= 2)) || die_usage "$1 needs seconds"; timeout_s=$2; shift 2 ;;
      -q | --quiet) quiet=1; shift ;;
      --) shift; irsnap_args=("$@"); break ;;
      -?*) die_usage "unknown option $1" ;;
      *) [[ -z "$hosts_file" ]] || die_usage "one HOSTS_FILE only (irsnap options go after --)"
         hosts_file=$1; shift ;;
    esac
  done
  [[ -n "$hosts_file" ]] || die_usage "no HOSTS_FILE"
  [[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die_usage "-j wants a positive number, not '$jobs'"
  [[ "$timeout_s" =~ ^[0-9]+$ ]] || die_usage "--timeout wants seconds, not '$timeout_s'"
  local a
  for a in "${irsnap_args[@]}"; do
    case "$a" in
      -o | --output | --output=* | -o?* | --json)
        die_usage "irsnap option '$a' is set by this script (output is the tar on stdout)" ;;
    esac
  done
}

# The default binary is this checkout's static build, so the script works straight after
# scripts/build.sh; an installed irsnap on PATH is the second choice.
default_binary() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  if [[ -x "$here/../../build/irsnap" ]]; then
    printf '%s\n' "$here/../../build/irsnap"
  else
    command -v irsnap || true
  fi
}

# The binary's --version gives its digest and whether it is static in one call; the digest is
# compared later with the one each manifest records for the executable that actually ran.
check_binary() {
  [[ -n "$binary" ]] || binary=$(default_binary)
  [[ -n "$binary" && -x "$binary" && -f "$binary" ]] ||
    die_usage "no irsnap binary (give -b PATH; build one with scripts/build.sh)"
  local version
  version=$("$binary" --version 2>/dev/null) || die_usage "$binary --version failed: not irsnap?"
  binary_sha256=$(sed -n 's/^sha256: *//p' <<<"$version")
  [[ "$binary_sha256" =~ ^[0-9a-f]{64}$ ]] || binary_sha256=$(sha256sum <"$binary" | cut -d' ' -f1)
  binary_size=$(stat -c %s -- "$binary")
  if ! grep -q '^linked: static' <<<"$version"; then
    printf '%s: warning: %s is not static: the hosts'"'"' own libraries will be loaded\n' \
      "$k_prog" "$binary" >&2
  fi
}

# NAME for a host spec: the host (and port), with anything outside [A-Za-z0-9._-] made `_` so
# it is a safe file name.
name_of() {
  local user host port
  split_spec "$1"
  local n=$host
  [[ -z "$port" ]] || n+="_$port"
  printf '%s\n' "${n//[^A-Za-z0-9._-]/_}"
}

# Splits [user@]host[:port] (host may be [ipv6]) into the globals user, host, port.
split_spec() {
  local s=$1
  user="" port=""
  if [[ "$s" == *@* ]]; then user=${s%%@*}; s=${s#*@}; fi
  if [[ "$s" =~ ^\[([^]]+)\](:([0-9]+))?$ ]]; then
    host=${BASH_REMATCH[1]} port=${BASH_REMATCH[3]}
  elif [[ "$s" =~ ^([^:]+):([0-9]+)$ ]]; then
    host=${BASH_REMATCH[1]} port=${BASH_REMATCH[2]}
  else
    host=$s   # a bare host, or an IPv6 address without a port
  fi
}

read_hosts() {
  local line spec name n=0 i
  [[ "$hosts_file" == - || -r "$hosts_file" ]] || die_usage "cannot read hosts file $hosts_file"
  while IFS= read -r line || [[ -n "$line" ]]; do
    n=$((n + 1))
    line=${line%%#*}
    # Trim blanks on both sides; a blank inside is an error, since it is not one host.
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    [[ -n "$line" ]] || continue
    [[ "$line" =~ ^[^[:space:]]+$ ]] || die_usage "$hosts_file line $n: one host per line: '$line'"
    [[ "$line" != -* ]] || die_usage "$hosts_file line $n: a host cannot start with '-'"
    spec=$line
    name=$(name_of "$spec")
    for i in "${!names[@]}"; do
      [[ "${names[i]}" != "$name" ]] ||
        die_usage "$hosts_file line $n: '$spec' would overwrite the results of '${specs[i]}'"
    done
    specs+=("$spec")
    names+=("$name")
  done < <(if [[ "$hosts_file" == - ]]; then cat; else cat -- "$hosts_file"; fi)
  ((${#specs[@]})) || die_usage "no hosts in $hosts_file"
}

# Evidence must never be overwritten, so results of an earlier run in the same directory are a
# usage error rather than something to replace.
prepare_outdir() {
  [[ -n "$outdir" ]] || outdir="irsnap-fleet-$(date -u +%Y%m%dT%H%M%SZ)"
  if [[ ! -d "$outdir" ]]; then
    { mkdir -p -- "$(dirname -- "$outdir")" && mkdir -m 700 -- "$outdir"; } ||
      die_usage "cannot create $outdir"
  fi
  local n
  for n in "${names[@]}"; do
    if [[ -e "$outdir/$n.tar" || -e "$outdir/$n.status" ]]; then
      die_usage "$outdir already holds results for $n; choose another -d"
    fi
  done
}

# The script that runs on each host under `sh -c`. POSIX sh only, and only sh, awk, cat, chmod,
# mkdir, rm, wc and id, because the host may be minimal. Arguments: the binary's size, 1 to use
# sudo -n, a forced staging directory or empty, then irsnap's extra arguments. stdin carries the
# binary. Its exit code is irsnap's, or 120-122 for a staging failure.
read -r -d '' k_remote_script <<'REMOTE' || true
size=$1 use_sudo=$2 forced=$3
shift 3
stage=
say() { printf 'irsnap-ssh (remote): %s\n' "$*" >&2; }
# The staged binary goes away however the run ends: normal exit, error, or a signal.
cleanup() { if [ -n "$stage" ]; then rm -rf -- "$stage"; fi; }
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# File system type of the mount holding $1: the longest mount point that is a prefix of it, and
# of stacked mounts the last one.
fstype_of() {
  awk -v p="$1" '{ mp = $2; gsub(/\\040/, " ", mp)
    if (p == mp || mp == "/" || index(p, mp "/") == 1) {
      if (length(mp) >= best) { best = length(mp); t = $3 } } }
    END { print t }' /proc/mounts
}
# Creates the staging directory in $1 and proves that a file there can be executed: a noexec
# mount refuses it, whatever the mount options say it is.
try_dir() {
  [ -d "$1" ] && [ -w "$1" ] || return 1
  mkdir -m 700 "$1/irsnap-fleet.$$" 2>/dev/null || return 1
  stage=$1/irsnap-fleet.$$
  if printf '#!/bin/sh\nexit 0\n' >"$stage/probe" && chmod 700 "$stage/probe" &&
    "$stage/probe" 2>/dev/null; then
    rm -f -- "$stage/probe"
    return 0
  fi
  rm -rf -- "$stage"
  stage=
  return 1
}
pick_stage() {
  if [ -n "$forced" ]; then try_dir "$forced"; return; fi
  for c in /dev/shm "/run/user/$(id -u)" /run; do
    case $(fstype_of "$c") in tmpfs | ramfs) try_dir "$c" && return 0 ;; esac
  done
  return 1
}
if [ "$use_sudo" = 1 ] && ! sudo -n true 2>/dev/null; then
  say "sudo -n refused: sudo is missing, or it would need a password or a tty"
  exit 122
fi
if ! pick_stage; then
  say "no memory-backed directory allowing execution (tried ${forced:-/dev/shm /run/user/$(id -u) /run})"
  exit 120
fi
say "staging in $stage ($(fstype_of "$stage"))"
cat >"$stage/irsnap" || exit 121
got=$(wc -c <"$stage/irsnap")
if [ "$((got))" -ne "$size" ]; then
  say "binary arrived incomplete: $((got)) of $size bytes"
  exit 121
fi
chmod 700 "$stage/irsnap"
if [ "$use_sudo" = 1 ]; then
  sudo -n "$stage/irsnap" collect -o - "$@" </dev/null
else
  "$stage/irsnap" collect -o - "$@" </dev/null
fi
REMOTE

# Quotes one word for the remote login shell (POSIX single quotes).
shquote() {
  local s=${1//\'/\'\\\'\'}
  printf "'%s'" "$s"
}

# The whole command line shows in the host's process table (and so in its bundle): send the
# remote script without its comment lines.
remote_command() {
  local cmd a line script=""
  while IFS= read -r line; do
    [[ "$line" =~ ^[[:space:]]*# ]] || script+=$line$'\n'
  done <<<"$k_remote_script"
  cmd="sh -c $(shquote "$script") irsnap-ssh $binary_size $use_sudo $(shquote "$remote_dir")"
  for a in "${irsnap_args[@]}"; do cmd+=" $(shquote "$a")"; done
  printf '%s\n' "$cmd"
}

meaning_of() {
  case "$1" in
    0) echo "ok" ;;
    1) echo "reduced coverage" ;;
    2) echo "irsnap usage error" ;;
    3) echo "output unusable" ;;
    4) echo "interrupted on host" ;;
    5) echo "verify failed" ;;
    6) echo "irsnap internal error" ;;
    120) echo "no tmpfs exec dir" ;;
    121) echo "binary incomplete" ;;
    122) echo "sudo -n refused" ;;
    124) echo "timeout" ;;
    126) echo "cannot execute" ;;
    127) echo "command not found" ;;
    130) echo "interrupted here" ;;
    255) echo "ssh failed" ;;
    *) if (($1 > 128)); then echo "killed by signal $(($1 - 128))"; else echo "unknown"; fi ;;
  esac
}

# Microseconds since the epoch, whatever the locale's decimal separator.
now_us() {
  local t=$EPOCHREALTIME
  printf '%s\n' "${t//[^0-9]/}"
}

# Checks one bundle with the local irsnap, then that the binary that ran was ours: the manifest
# records the digest of the running executable.
verify_bundle() {
  local tar=$1 log=$2 manifest
  printf '\n== %s verify %s\n' "$k_prog" "$tar" >>"$log"
  if ! "$binary" verify "$tar" >>"$log" 2>&1; then
    echo FAILED
    return
  fi
  manifest=$(tar -xOf "$tar" --wildcards '*/manifest.json' 2>/dev/null) || true
  if [[ "$manifest" =~ \"executable_sha256\":\ *\"$binary_sha256\" ]]; then
    echo ok
  else
    printf 'manifest executable_sha256 is not %s (the local binary)\n' "$binary_sha256" >>"$log"
    echo FAILED-other-binary
  fi
}

# One host, run as a background job: ssh with the binary on stdin and the tar on stdout, then
# verify, then the status file the summary is built from.
collect_host() {
  local spec=$1 name=$2
  local user host port
  split_spec "$spec"
  local base="$outdir/$name" rc=0 interrupted=0 ssh_pid
  local cmd=(ssh -T -o BatchMode=yes "${ssh_user_opts[@]}" -o ConnectTimeout=10
             -o ServerAliveInterval=15 -o ServerAliveCountMax=4)
  [[ -z "$port" ]] || cmd+=(-p "$port")
  [[ -z "$user" ]] || cmd+=(-l "$user")
  cmd+=(-- "$host" "$remote_cmd")
  ((timeout_s == 0)) || cmd=(timeout -k 10 "$timeout_s" "${cmd[@]}")

  local t0
  t0=$(now_us)
  # ssh runs in the background of this job so that the TERM the main script forwards on Ctrl-C
  # interrupts `wait` at once; background jobs ignore SIGINT, so ssh would not see it itself.
  "${cmd[@]}" <"$binary" >"$base.tar" 2>"$base.log" &
  ssh_pid=$!
  trap 'interrupted=1; kill -TERM "$ssh_pid" 2>/dev/null || true' TERM HUP INT
  wait "$ssh_pid" || rc=$?
  if ((interrupted)); then
    wait "$ssh_pid" 2>/dev/null || true
    rc=130
  fi
  local us=$(($(now_us) - t0))

  local bytes verify=none
  bytes=$(stat -c %s -- "$base.tar")
  if ((bytes == 0)); then
    rm -f -- "$base.tar"
  else
    verify=$(verify_bundle "$base.tar" "$base.log")
  fi
  local meaning seconds
  meaning=$(meaning_of "$rc")
  seconds=$(printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000)))
  printf 'host=%s\nname=%s\nrc=%s\nmeaning=%s\nbytes=%s\nseconds=%s\nverify=%s\n' \
    "$spec" "$name" "$rc" "$meaning" "$bytes" "$seconds" "$verify" >"$base.status"
  say "$spec: exit $rc ($meaning), $bytes bytes, $seconds s, verify $verify"
}

# shellcheck disable=SC2317  # called by the trap in run_fleet
on_signal() {
  stopping=1
  ((${#job_pids[@]} == 0)) || kill -TERM "${job_pids[@]}" 2>/dev/null || true
}

# At most $jobs hosts at once: start one whenever one finishes.
run_fleet() {
  local i running=0
  trap on_signal INT TERM HUP
  for i in "${!specs[@]}"; do
    while ((running >= jobs && !stopping)); do
      wait -n 2>/dev/null || true
      running=$(count_running)
    done
    ((!stopping)) || break
    collect_host "${specs[i]}" "${names[i]}" &
    job_pids+=($!)
    running=$((running + 1))
  done
  local p
  for p in "${job_pids[@]}"; do
    # A trapped signal ends `wait` early; keep waiting until the job is really gone.
    while kill -0 "$p" 2>/dev/null; do wait "$p" 2>/dev/null || true; done
  done
}

count_running() {
  local p n=0
  for p in "${job_pids[@]}"; do
    ! kill -0 "$p" 2>/dev/null || n=$((n + 1))
  done
  echo "$n"
}

print_row() {
  printf '%-28s %4s  %-22s %12s %8s  %s\n' "$@"
}

# Prints the table and sets the globals worst (0, 1 or 3) and the counts for the last line.
summarise() {
  local i k v row
  local -A st
  worst=0
  n_ok=0 n_reduced=0 n_failed=0
  print_row host exit meaning bytes seconds verify
  printf 'host\texit\tmeaning\tbytes\tseconds\tverify\n' >"$outdir/summary.tsv"
  for i in "${!specs[@]}"; do
    st=([rc]=- [meaning]="not run" [bytes]=0 [seconds]=0 [verify]=none)
    if [[ -f "$outdir/${names[i]}.status" ]]; then
      while IFS='=' read -r k v; do st[$k]=$v; done <"$outdir/${names[i]}.status"
    fi
    row=("${specs[i]}" "${st[rc]}" "${st[meaning]}" "${st[bytes]}" "${st[seconds]}" "${st[verify]}")
    print_row "${row[@]}"
    (IFS=$'\t'; printf '%s\n' "${row[*]}") >>"$outdir/summary.tsv"
    if [[ "${st[verify]}" == ok && "${st[rc]}" == 0 ]]; then
      n_ok=$((n_ok + 1))
    elif [[ "${st[verify]}" == ok && "${st[rc]}" == 1 ]]; then
      n_reduced=$((n_reduced + 1))
      ((worst == 3)) || worst=1
    else
      n_failed=$((n_failed + 1))
      worst=3
    fi
  done
}

main() {
  parse_args "$@"
  check_binary
  read_hosts
  prepare_outdir
  umask 077   # bundles and logs are evidence: readable by us only
  remote_cmd=$(remote_command)
  say "${#specs[@]} host(s), $jobs at a time; binary $binary (sha256 ${binary_sha256:0:16}...); results in $outdir"
  local t0
  t0=$(now_us)
  run_fleet
  local us=$(($(now_us) - t0))
  summarise
  printf '%d host(s): %d ok, %d reduced coverage, %d failed; %d.%d s; results in %s\n' \
    "${#specs[@]}" "$n_ok" "$n_reduced" "$n_failed" $((us / 1000000)) $((us % 1000000 / 100000)) \
    "$outdir"
  ((!stopping)) || { echo "$k_prog: interrupted" >&2; exit 3; }
  exit "$worst"
}

main "$@"
