#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test): a full `irsnap collect` (default collectors, with hashing) against
# `ps -eo pid,ppid,user,args`, `ss -tanpu`, `lsof -n -P` and, where installed, Python's psutil
# walking the same data (tests/bench/psutil_walk.py), all timed in the same run under a
# generated load of N processes x F fds x S loopback TCP sockets (tests/bench/load_generator.cpp).
# Prints medians, ratios and peak memory, the load actually present, and irsnap's per-collector
# durations. Exits non-zero only when the setup fails, never because of the numbers.
#
#   tests/bench/bench_compare.sh [--procs N[,N...]] [--fds F] [--sockets S] [--runs R]
#                                [--binary PATH] [--load PATH] [--scale] [--no-warmup]
#
#   --procs/--fds/--sockets  load shape (default 1000 x 50 x 4); --procs 200,1000,2000 runs the
#                            comparison at each N in turn, one table per N, then a summary
#   --runs R                 timed runs per command (default 5); the median is reported
#   --binary PATH            irsnap to measure (default build/irsnap)
#   --load PATH              the load generator (default: tests/irsnap_bench_load next to the
#                            binary's build directory, e.g. build/tests/irsnap_bench_load)
#   --scale                  instead of the comparison, time irsnap alone at several load sizes
#                            (no load, 250/500/1000 processes x 50 fds, 1000 x 10 fds; S from
#                            --sockets) and print time per process and per fd, the fitted slopes
#                            and each collector's duration at each size
#   --no-warmup              skip the untimed first pass that warms the page and dentry caches
#
# Build first; this script builds nothing. scripts/build.sh builds build/irsnap; the load
# generator is the tests' target irsnap_bench_load (a build with IRSNAP_BUILD_TESTS=ON, e.g.
# `cmake --build build-bench --target irsnap_bench_load`), or, as it needs nothing from irsnap:
#   c++ -std=c++20 -O2 -o /tmp/irsnap_bench_load tests/bench/load_generator.cpp  (then --load)
set -euo pipefail

procs=1000 fds=50 sockets=4 runs=5 binary=build/irsnap load_bin="" scale=0 warmup=1
usage() {
  sed -n '/^#   tests/,/^#   --no-warmup/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit "${1:-2}"
}
while (($#)); do
  case "$1" in
    --procs) procs=${2//,/ }; shift 2 ;;
    --fds) fds=$2; shift 2 ;;
    --sockets) sockets=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --load) load_bin=$2; shift 2 ;;
    --scale) scale=1; shift ;;
    --no-warmup) warmup=0; shift ;;
    -h | --help) usage 0 ;;
    *) usage ;;
  esac
done
for n in $procs "$fds" "$sockets" "$runs"; do
  [[ "$n" =~ ^[0-9]+$ ]] || usage
done
[[ -n "${procs// /}" ]] || usage
((runs >= 1)) || usage

die() { echo "bench_compare: $*" >&2; exit 2; }

[[ -x "$binary" ]] || die "no irsnap at $binary: run scripts/build.sh first (or pass --binary)"
[[ -n "$load_bin" ]] || load_bin="$(dirname "$binary")/tests/irsnap_bench_load"
[[ -x "$load_bin" ]] ||
  die "no load generator at $load_bin: build the tests' target irsnap_bench_load (see the header of $0) or pass --load"

# Install only what is missing; the script's own packages, as the project's scripts do.
missing=()
command -v ps >/dev/null || missing+=(procps)
command -v ss >/dev/null || missing+=(iproute2)
command -v lsof >/dev/null || missing+=(lsof)
[[ -x /usr/bin/time ]] || missing+=(time)
command -v jq >/dev/null || missing+=(jq)
command -v column >/dev/null || missing+=(bsdextrautils)
if ((${#missing[@]})); then
  ((EUID == 0)) || die "missing packages ${missing[*]}: install them or run as root"
  echo "bench_compare: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed"
fi
((EUID == 0)) || echo "bench_compare: not root: irsnap, ss and lsof will see less of other users' processes" >&2

# psutil is a peer only where installed: a responder's Python is whatever the host has, so the
# script never installs it. The first python3 on PATH that has it, else Debian's.
psutil_walk="$(dirname "$0")/psutil_walk.py" python=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import psutil' 2>/dev/null; then
    python=$(command -v "$candidate")
    break
  fi
done
psutil_note="psutil: not installed for python3 (Debian: apt-get install python3-psutil): not compared"
if [[ -n "$python" ]]; then
  psutil_note="psutil $("$python" -c 'import psutil; print(psutil.__version__)'): $python ($("$python" --version 2>&1))"
fi

tmp=$(mktemp -d /tmp/irsnap-bench-compare.XXXXXX)
load_pid=""
stop_load() {
  if [[ -n "$load_pid" ]]; then
    # The generator is its own process group leader: TERM the group, then reap the leader, which
    # removes its temporary directory.
    kill -TERM -- "-$load_pid" 2>/dev/null || kill -TERM "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
    load_pid=""
  fi
}
cleanup() {
  stop_load
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_load N F S: start the generator and wait (up to 120 s) for its "ready" line.
start_load() {
  local n=$1 f=$2 s=$3 waited=0
  # The redirection below happens in the background job, later than the grep may first look:
  # remove the previous load's output so its "ready" is never mistaken for this one's.
  rm -f "$tmp/load.out" "$tmp/load.err"
  "$load_bin" --procs "$n" --fds "$f" --sockets "$s" >"$tmp/load.out" 2>"$tmp/load.err" &
  load_pid=$!
  until grep -qx ready "$tmp/load.out" 2>/dev/null; do
    if ! kill -0 "$load_pid" 2>/dev/null; then
      cat "$tmp/load.err" >&2
      load_pid=""
      die "load generator exited during setup (N=$n F=$f S=$s)"
    fi
    ((waited++ < 1200)) || { cat "$tmp/load.err" >&2; die "load generator not ready after 120 s"; }
    sleep 0.1
  done
}

# Counts of what is actually on the host, not what was asked for.
# find exits 1 when a process vanishes mid-walk; that is not a failure here.
count_procs() { { find /proc -mindepth 1 -maxdepth 1 -name '[0-9]*' 2>/dev/null || true; } | wc -l; }
count_fds() { { find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 2>/dev/null || true; } | wc -l; }
count_socket_fds() {
  { find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 -lname 'socket:*' 2>/dev/null || true; } | wc -l
}
count_established() { { ss -Htan state established 2>/dev/null || true; } | wc -l; }
print_counts() {
  printf 'host now: %s processes, %s fds (%s of them sockets), %s ESTABLISHED TCP sockets\n' \
    "$(count_procs)" "$(count_fds)" "$(count_socket_fds)" "$(count_established)"
}

# run_timed NAME CMD...: one timed run; appends "wall_s rss_kb" to $tmp/NAME.times. The command's
# output goes to /dev/null; its exit status is kept aside (irsnap exits 1 on reduced coverage,
# lsof exits 1 when some file vanished mid-scan) and never aborts the benchmark.
run_timed() {
  local name=$1 start end rc=0
  shift
  start=$EPOCHREALTIME
  /usr/bin/time -f '%e %M' -o "$tmp/time.out" "$@" >/dev/null 2>"$tmp/$name.stderr" || rc=$?
  end=$EPOCHREALTIME
  # GNU time prepends "Command exited with non-zero status N" to its file: take the last line.
  printf '%s %s\n' "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f", b - a}')" \
    "$(tail -n 1 "$tmp/time.out" | awk '{print $2}')" >>"$tmp/$name.times"
  echo "$rc" >"$tmp/$name.rc"
}

# One full collection into a fresh directory; the last run's manifest is kept for the collector
# durations, and the bundle is deleted so disk use stays flat.
run_irsnap() {
  local name=$1 dest="$tmp/bundle"
  shift
  rm -rf "$dest" && mkdir -p "$dest"
  run_timed "$name" "$binary" collect -o "$dest" -q "$@"
  local manifest
  manifest=$(find "$dest" -mindepth 2 -maxdepth 2 -name manifest.json | head -n 1)
  [[ -n "$manifest" ]] && cp "$manifest" "$tmp/$name.manifest.json"
  rm -rf "$dest"
}

# stats NAME: "median min max peak_rss_mb" over $tmp/NAME.times.
stats() {
  sort -g "$tmp/$1.times" | awk '
    { t[NR] = $1; if ($2 > rss) rss = $2 }
    END {
      med = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
      printf "%.4f %.4f %.4f %.1f\n", med, t[1], t[NR], rss / 1024
    }'
}

collector_table() {
  local manifest=$1
  [[ -f "$manifest" ]] || { echo "(no manifest from the last irsnap run)"; return; }
  echo "irsnap per collector (last run's manifest.json; total clock.duration_ms = $(jq -r '.clock.duration_ms' "$manifest"))"
  # Whatever collectors this build has, in run order; missing fields print as "-".
  jq -r '["collector", "status", "records", "errors", "duration_ms"],
         (.collectors[] | [.name, .status, (.records // "-"), (.error_count // "-"),
                           (if .duration_ms == null then "-" else (.duration_ms * 10 | round / 10) end)])
         | @tsv' "$manifest" | column -t -s $'\t'
}

label_of() {
  case "$1" in
    irsnap) echo "irsnap collect -q" ;;
    irsnap_proc) echo "irsnap collect -q --no-bpf" ;;
    ps) echo "ps -eo pid,ppid,user,args" ;;
    ss) echo "ss -tanpu" ;;
    lsof) echo "lsof -n -P" ;;
    psutil) echo "psutil_walk.py" ;;
  esac
}

# compare N: the comparison at N processes; appends "N name median min max rss ratio" rows to
# $tmp/summary.rows.
compare() {
  local procs=$1
  rm -f "$tmp"/*.times "$tmp"/*.rc "$tmp/irsnap.manifest.json"
  echo "irsnap: $("$binary" --version 2>/dev/null | head -n 1 || echo "$binary")"
  echo "load: $procs processes x $fds fds x $sockets sockets (generator: $load_bin)"
  echo "$psutil_note"
  start_load "$procs" "$fds" "$sockets"
  print_counts
  # irsnap_proc: the same run without the kernel views, its descriptor walk through /proc.
  local names=(irsnap irsnap_proc ps ss lsof) name
  if [[ -n "$python" ]]; then names+=(psutil); fi
  run_one() {
    case "$1" in
      irsnap) run_irsnap irsnap ;;
      irsnap_proc) run_irsnap irsnap_proc --no-bpf ;;
      ps) run_timed ps ps -eo pid,ppid,user,args ;;
      ss) run_timed ss ss -tanpu ;;
      lsof) run_timed lsof lsof -n -P ;;
      psutil) run_timed psutil "$python" "$psutil_walk" ;;
    esac
  }
  if ((warmup)); then
    for name in "${names[@]}"; do run_one "$name"; rm -f "$tmp/$name.times"; done
  fi
  # Interleaved, so a neighbour's burst on a shared machine hits every command alike.
  local r
  for ((r = 1; r <= runs; r++)); do
    for name in "${names[@]}"; do run_one "$name"; done
    echo "run $r/$runs done" >&2
  done
  print_counts
  stop_load

  local base
  base=$(stats irsnap | awk '{print $1}')
  echo
  printf '%-28s %5s %9s %9s %9s %12s %10s %4s\n' command runs median_s min_s max_s peak_rss_MB "x_irsnap" rc
  local med min max rss ratio
  for name in "${names[@]}"; do
    read -r med min max rss < <(stats "$name")
    ratio=$(awk -v a="$med" -v b="$base" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
    printf '%-28s %5d %9s %9s %9s %12s %10s %4s\n' "$(label_of "$name")" "$runs" "$med" "$min" "$max" \
      "$rss" "$ratio" "$(cat "$tmp/$name.rc")"
    echo "$procs $name $med $min $max $rss $ratio" >>"$tmp/summary.rows"
  done
  echo "(x_irsnap = command's median / irsnap's median: above 1 means slower than the whole irsnap snapshot;"
  echo " rc = exit status of the last run; irsnap 1 = bundle valid with reduced coverage)"
  echo
  collector_table "$tmp/irsnap.manifest.json"
}

scale() {
  # procs fds sockets per point; the first is the bare host. 250/500/1000 x 50 give the process
  # slope, 1000 x 10 against 1000 x 50 the fd slope.
  local points=("0 0 0" "250 50 $sockets" "500 50 $sockets" "1000 50 $sockets" "1000 10 $sockets")
  local p n f s r name med min max rss np nf
  : >"$tmp/scale.rows"
  printf '%-12s %6s %7s %9s %9s %9s %12s %12s %10s\n' \
    load procs fds median_s min_s max_s peak_rss_MB ms_per_proc us_per_fd
  for p in "${points[@]}"; do
    read -r n f s <<<"$p"
    name="scale_${n}_${f}"
    ((n > 0)) && start_load "$n" "$f" "$s"
    np=$(count_procs) nf=$(count_fds)
    ((warmup)) && { run_irsnap "$name"; rm -f "$tmp/$name.times"; }
    for ((r = 1; r <= runs; r++)); do run_irsnap "$name"; done
    stop_load
    read -r med min max rss < <(stats "$name")
    echo "$n $f $np $nf $med" >>"$tmp/scale.rows"
    printf '%-12s %6s %7s %9s %9s %9s %12s %12s %10s\n' "${n}x${f}x${s}" "$np" "$nf" "$med" "$min" "$max" \
      "$rss" "$(awk -v t="$med" -v n="$np" 'BEGIN {printf "%.3f", t * 1000 / n}')" \
      "$(awk -v t="$med" -v n="$nf" 'BEGIN {printf "%.2f", t * 1e6 / n}')"
  done
  echo "(procs, fds: counted on the whole host at the point; ms_per_proc, us_per_fd: median / count)"
  echo
  # Least-squares line through the F=50 points (process slope, with each process's fds), and the
  # difference of the two N=1000 points (fd slope). R^2 near 1 means linear growth.
  awk '
    $2 == 50 { k++; x[k] = $3; y[k] = $5 }
    $1 == 1000 && $2 == 50 { p50 = $3; f50 = $4; t50 = $5 }
    $1 == 1000 && $2 == 10 { f10 = $4; t10 = $5 }
    $1 == 0 { p0 = $3; f0 = $4 }
    END {
      if (k >= 2) {
        for (i = 1; i <= k; i++) { sx += x[i]; sy += y[i] }
        mx = sx / k; my = sy / k
        for (i = 1; i <= k; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ^ 2; syy += (y[i] - my) ^ 2 }
        b = sxy / sxx; a = my - b * mx; r2 = syy > 0 ? sxy * sxy / (sxx * syy) : 1
        printf "process slope (50 fds each): %.3f ms per process, intercept %.3f s, R^2 %.3f over %d points\n", b * 1000, a, r2, k
      }
      if (f50 > f10) {
        fs = (t50 - t10) / (f50 - f10)
        printf "fd slope (1000 processes, 10 vs 50 fds each): %.2f us per fd\n", fs * 1e6
        if (k >= 2 && p50 > p0) {
          per = (f50 - f0) / (p50 - p0)
          printf "per process beyond its ~%.0f fds: %.3f ms\n", per, (b - per * fs) * 1000
        }
      }
    }' "$tmp/scale.rows"
  local manifests=() labels=()
  while read -r n f np nf med; do
    if ((n == 0)) || [[ ! -f "$tmp/scale_${n}_${f}.manifest.json" ]]; then continue; fi
    manifests+=("$tmp/scale_${n}_${f}.manifest.json") labels+=("${n}x${f}")
  done <"$tmp/scale.rows"
  if ((${#manifests[@]})); then
    echo
    echo "per collector duration_ms, last run at each point (collectors of the last point's manifest)"
    jq -rn --argjson labels "$(printf '%s\n' "${labels[@]}" | jq -R . | jq -s .)" '
      [inputs] as $m
      | (["collector"] + $labels),
        ($m[-1].collectors[].name as $c
          | [$c] + ($m | map([.collectors[] | select(.name == $c) | .duration_ms // 0][0] // 0
                             | . * 10 | round / 10)))
      | @tsv' "${manifests[@]}" | column -t -s $'\t'
  fi
}

# summary: with several N, one line per N and command: the tables above side by side.
summary() {
  echo "summary over N = ${procs// /, } ($fds fds x $sockets sockets each; median_s [min-max], x_irsnap, peak RSS)"
  awk '{
      printf "%s\t%s\t%s [%s-%s]\t%s\t%s MB\n", $1, $2, $3, $4, $5, $7, $6
    }' "$tmp/summary.rows" | { printf 'N\tcommand\tmedian_s [min-max]\tx_irsnap\tpeak_rss\n'; cat; } |
    column -t -s $'\t'
}

echo "bench_compare: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if ((scale)); then
  scale
else
  : >"$tmp/summary.rows"
  first=1
  for n in $procs; do
    ((first)) || echo
    ((first)) || echo "================================================================"
    first=0
    compare "$n"
  done
  if [[ "$procs" == *" "* ]]; then
    echo
    summary
  fi
fi
