#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Writes the hostile-bundle corpus into DIR (created, must not exist): bundles an attacker edited
# to crash, hang, exhaust or fool the analyst-side commands. Each case is one entry of DIR, a
# bundle directory or a .tar file; dot-entries are helpers (the place a symlink points to).
# Small and fast on purpose: big inputs are sparse files (truncate), about 1 MiB on disk in all.
#   tests/hostile/make_corpus.sh DIR
# Needs bash, coreutils and python3 (for the tar headers only a crafted tar has).
set -euo pipefail
out=${1:?usage: make_corpus.sh DIR}
[[ ! -e "$out" ]] || { echo "make_corpus.sh: $out exists" >&2; exit 2; }
mkdir -p "$out"
cd "$out"

esc=$'\e'
bel=$'\a'

# A bundle directory that verifies: artifacts given as NAME=TEXT pairs (TEXT as printf %b),
# manifest.json listing each with its bytes, records (newline-terminated lines) and digest.
make_bundle() {
  local dir=$1
  shift
  mkdir -p "$dir/artifacts"
  local name text
  for pair in "$@"; do
    name=${pair%%=*}
    text=${pair#*=}
    printf '%b' "$text" >"$dir/artifacts/$name"
  done
  list_artifacts "$dir"
}

# (Re)writes manifest.json and manifest.json.sha256 for what artifacts/ holds now.
list_artifacts() {
  local dir=$1 first=1 f bytes records sha
  {
    printf '{"schema":1,"bundle":"%s","status":"complete","host":{"hostname":"hostile"},' \
      "$(basename "$dir")"
    printf '"clock":{"start":{"realtime":"2026-11-22T01:00:00.000000Z","realtime_ns":1795309200000000000}},'
    printf '"custody":[{"sequence":1,"action":"collected","time":"2026-11-22T01:00:01.000000Z"}],'
    printf '"artifacts":['
    for f in "$dir"/artifacts/*; do
      [[ -f "$f" && ! -L "$f" ]] || continue
      bytes=$(stat -c %s "$f")
      records=$(tr -cd '\n' <"$f" | wc -c)
      sha=$(sha256sum <"$f" | cut -c1-64)
      ((first)) || printf ','
      first=0
      # Names here are plain or hold only bytes JSON escapes with \u: see control_chars.
      printf '{"path":"artifacts/%s","bytes":%s,"records":%s,"sha256":"%s"}' \
        "$(json_escape "$(basename "$f")")" "$bytes" "$records" "$sha"
    done
    printf ']}\n'
  } >"$dir/manifest.json"
  seal "$dir"
}

json_escape() {
  # Plain names as they are; python3 only for the few with bytes JSON must escape.
  if [[ "$1" =~ ^[A-Za-z0-9._-]*$ ]]; then printf '%s' "$1" && return; fi
  python3 -c 'import json,sys; print(json.dumps(sys.argv[1])[1:-1], end="")' "$1"
}

seal() {
  (cd "$1" && sha256sum manifest.json >manifest.json.sha256)
}

process_line='{"pid":1,"ppid":0,"name":"init","exe_path":"/sbin/init","kernel_thread":false}\n'

# --- a clean bundle: every command must exit 0 on it (the runner checks the corpus is sane) ---
make_bundle valid 07_processes.jsonl="$process_line"

# --- item 2: a symlinked artifacts/ would make triage read files outside the bundle ---------
mkdir -p .outside
printf '{"pid":666,"name":"outside","exe_path":"/tmp/x"}\n' >.outside/07_processes.jsonl
make_bundle symlink_artifacts 07_processes.jsonl="$process_line"
rm -r symlink_artifacts/artifacts
ln -s ../.outside symlink_artifacts/artifacts

# --- item 2: a FIFO as manifest.json used to hang triage, stack and export -------------------
make_bundle fifo_manifest 07_processes.jsonl="$process_line"
rm fifo_manifest/manifest.json
mkfifo fifo_manifest/manifest.json

# ... and as an artifact, and as custody.jsonl.
make_bundle fifo_artifact 07_processes.jsonl="$process_line"
mkfifo fifo_artifact/artifacts/09_network.jsonl
make_bundle fifo_custody 07_processes.jsonl="$process_line"
mkfifo fifo_custody/custody.jsonl

# --- item 3: a sparse 1 GiB manifest.json (no disk used) ----------------------------------
make_bundle sparse_manifest 07_processes.jsonl="$process_line"
truncate -s 1G sparse_manifest/manifest.json

# --- JSON nesting: 60k-deep manifest (120 KB) and a 60k-deep value inside an artifact line -----
make_bundle deep_manifest 07_processes.jsonl="$process_line"
python3 - <<'EOF'
open("deep_manifest/manifest.json", "w").write("[" * 60000 + "]" * 60000)
deep = "[" * 60000 + "]" * 60000
open("deep_artifact_line.jsonl", "w").write(
    '{"pid":7,"name":"deep","exe_path":"/tmp/deep","cmdline":' + deep + "}\n")
EOF
seal deep_manifest
mkdir -p deep_artifact_line/artifacts
mv deep_artifact_line.jsonl deep_artifact_line/artifacts/07_processes.jsonl
list_artifacts deep_artifact_line

# --- a 64 MiB line (sparse: NUL bytes that never end in a newline until the very end) ---------
make_bundle long_line 07_processes.jsonl="$process_line"
truncate -s 64M long_line/artifacts/07_processes.jsonl
printf '\n' >>long_line/artifacts/07_processes.jsonl
list_artifacts long_line

# --- control characters and ANSI escapes in file names and in a process name ------------------
make_bundle control_chars \
  07_processes.jsonl='{"pid":2,"ppid":1,"name":"\\u001b]0;owned\\u0007\\u001b[2J\\u001b[31mkworker","exe_path":"/tmp/\\u001b[1Ax","kernel_thread":false}\n'
printf '%b' "$process_line" >"control_chars/artifacts/08_proc${esc}[2J${bel}esses.jsonl"
printf '%b' "$process_line" >"control_chars/artifacts/09_x"$'\n'"y.jsonl"
list_artifacts control_chars
printf 'x\n' >"control_chars/unlisted${esc}]0;title${bel}"

# --- NUL and garbage after a JSON document on a line ----------------------------------------
make_bundle nul_garbage 07_processes.jsonl='{"pid":3,"name":"a"}\0garbage\xff\xfe\n{"pid":4,"name":"b"} trailing\n\0\0\0\n'

# --- artifact names an exporter might take for its own: sqlite_master, a case variant ---------
make_bundle sqlite_master 07_processes.jsonl="$process_line" 17_sqlite_master.jsonl='{"type":"table","name":"x"}\n'
make_bundle case_variant 07_processes.jsonl="$process_line" 21_Processes.jsonl='{"pid":99,"name":"hidden"}\n'

# --- records that differ from the manifest although every digest matches -------------------
make_bundle record_count 07_processes.jsonl="$process_line$process_line"
python3 - <<'EOF'
import hashlib, json
m = json.load(open("record_count/manifest.json"))
m["artifacts"][0]["records"] = 7
text = json.dumps(m)
open("record_count/manifest.json", "w").write(text)
open("record_count/manifest.json.sha256", "w").write(
    hashlib.sha256(text.encode()).hexdigest() + "  manifest.json\n")
EOF

# --- not a bundle at all: a tree like /etc, a text file --------------------------------------
mkdir -p not_a_bundle/sub/deeper
printf 'root:x:0:0:root:/root:/bin/sh\n' >not_a_bundle/passwd
printf 'a\n' >not_a_bundle/sub/deeper/file
printf 'not a tar\n%.0s' {1..100} >not_a_bundle.tar

# --- tars: a member renamed with a trailing '/', '..' members, control characters, a cut -----
python3 - <<'EOF'
import hashlib, json, os

def header(name, size, typeflag=b"0"):
    name = name.encode("utf-8", "surrogateescape") if isinstance(name, str) else name
    h = bytearray(512)
    h[0:len(name)] = name[:100]
    h[100:108] = b"0000600\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"%011o\0" % 1795309200
    h[148:156] = b" " * 8
    h[156:157] = typeflag
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)

def member(name, data=b"", typeflag=b"0"):
    pad = (512 - len(data) % 512) % 512
    return header(name, len(data), typeflag) + data + b"\0" * pad

def bundle_tar(path, top, artifacts, renamed=None, extra=b""):
    listed = []
    body = member(top + "/", typeflag=b"5") + member(top + "/artifacts/", typeflag=b"5")
    for rel, data in artifacts.items():
        listed.append({"path": rel, "bytes": len(data), "records": data.count(b"\n"),
                       "sha256": hashlib.sha256(data).hexdigest()})
        body += member((renamed or {}).get(rel, top + "/" + rel), data)
    body += extra
    manifest = json.dumps({"schema": 1, "bundle": top, "status": "complete",
                           "host": {"hostname": "hostile"}, "artifacts": listed}).encode()
    body += member(top + "/manifest.json", manifest)
    body += member(top + "/manifest.json.sha256",
                   hashlib.sha256(manifest).hexdigest().encode() + b"  manifest.json\n")
    body += b"\0" * 1024
    open(path, "wb").write(body)
    return body

line = b'{"pid":1,"ppid":0,"name":"init","exe_path":"/sbin/init","kernel_thread":false}\n'
top = "hostile_20261122T010000Z"
procs = {"artifacts/07_processes.jsonl": line * 3}
bundle_tar("valid.tar", top, procs)
bundle_tar("trailing_slash.tar", top, procs,
           renamed={"artifacts/07_processes.jsonl": top + "/artifacts/07_processes.jsonl/"})
bundle_tar("dotdot.tar", top, procs,
           extra=member(top + "/../escaped", b"x\n") + member("../../escaped2", b"y\n")
           + member("/tmp/absolute", b"z\n") + member(top + "//artifacts/07_processes.jsonl", line))
bundle_tar("duplicate.tar", top, procs,
           extra=member(top + "/artifacts/07_processes.jsonl", b'{"pid":666}\n'))
bundle_tar("control_chars.tar", top, {"artifacts/08_pro\x1b[2J\x07cesses.jsonl": line,
                                      "artifacts/07_processes.jsonl": line},
           extra=member(top + "/\x1b]0;title\x07\x1b[31m", b"x\n"))
body = bundle_tar("truncated.tar", top, procs)
open("truncated.tar", "wb").write(body[: 512 * 3 + 100])
EOF
