#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Peak memory of the analyst-side commands over one big bundle.

Writes one bundle that verifies (irsnap's layout: artifacts/07_processes.jsonl plus a valid
manifest.json and manifest.json.sha256, as tests/bench/stack_bundles.py does) holding N process
records (default 1,000,000, about 300 MB), then runs `irsnap triage`, `triage --json` and
`export --format sqlite|jsonl|timesketch` on it and prints each one's wall time and peak RSS
(the child's ru_maxrss from wait4, its VmHWM at exit; no GNU time needed). Every 1000th process
runs from /tmp, so triage has findings to keep (and cap).

Usage: analysis_rss.py IRSNAP [--records N] [--dir DIR] [--keep]
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def line(record):
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def write_bundle(parent, n):
    name = "bench01_20261122T000000Z"
    bundle = os.path.join(parent, name)
    os.makedirs(os.path.join(bundle, "artifacts"))
    rel = "artifacts/07_processes.jsonl"
    digest = hashlib.sha256()
    size = 0
    with open(os.path.join(bundle, rel), "wb") as out:
        chunk = []
        for pid in range(1, n + 1):
            exe = "/tmp/dropper" if pid % 1000 == 0 else "/usr/sbin/daemon%d" % (pid % 50)
            chunk.append(line({
                "argv": [exe, "--config", "/etc/daemon.conf", "-n", str(pid)],
                "exe_deleted": False, "exe_memfd": False, "exe_path": exe,
                "exe_sha256": "%064x" % (pid % 50), "kernel_thread": False,
                "name": os.path.basename(exe)[:15], "pid": pid, "ppid": 1,
                "start_time": "2026-11-21T10:00:00.000000Z", "uid": 0, "user": "root",
            }) + "\n")
            if len(chunk) == 10000:
                data = "".join(chunk).encode()
                out.write(data)
                digest.update(data)
                size += len(data)
                chunk = []
        data = "".join(chunk).encode()
        out.write(data)
        digest.update(data)
        size += len(data)
    start = "2026-11-22T00:00:00.000000Z"
    manifest = {
        "schema": "irsnap.manifest/1", "bundle": name, "status": "complete",
        "host": {"hostname": "bench01"},
        "clock": {"start": {"realtime": start, "realtime_ns": 1795305600000000000},
                  "end": {"realtime": "2026-11-22T00:00:05.000000Z"}},
        "collectors": [{"name": "processes", "rank": 7, "status": "ok", "records": n,
                        "artifact": rel}],
        "artifacts": [{"path": rel, "bytes": size, "records": n,
                       "sha256": digest.hexdigest()}],
        "custody": [],
    }
    text = json.dumps(manifest, indent=2) + "\n"
    with open(os.path.join(bundle, "manifest.json"), "w") as f:
        f.write(text)
    with open(os.path.join(bundle, "manifest.json.sha256"), "w") as f:
        f.write(hashlib.sha256(text.encode()).hexdigest() + "  manifest.json\n")
    return bundle, size


def measure(argv):
    """Runs argv, output to /dev/null; (seconds, peak RSS in MiB, exit code). The peak is the
    child's ru_maxrss from wait4 (the kernel's high-water mark, as VmHWM), exact at exit."""
    started = time.monotonic()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.monotonic() - started, usage.ru_maxrss / 1024.0, child.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("irsnap")
    ap.add_argument("--records", type=int, default=1000000)
    ap.add_argument("--dir")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    work = a.dir or tempfile.mkdtemp(prefix="irsnap-analysis-rss.")
    os.makedirs(work, exist_ok=True)
    try:
        bundle, size = write_bundle(work, a.records)
        print("bundle: %s, %d process records, %.0f MB" % (bundle, a.records, size / 1e6))
        runs = [
            ("triage", [a.irsnap, "triage", bundle]),
            ("triage --json", [a.irsnap, "triage", "--json", bundle]),
            ("export sqlite", [a.irsnap, "export", "-q", "--format", "sqlite", "-o",
                               os.path.join(work, "out.db"), bundle]),
            ("export jsonl", [a.irsnap, "export", "-q", "--format", "jsonl", "-o",
                              os.path.join(work, "out.jsonl"), bundle]),
            ("export timesketch", [a.irsnap, "export", "-q", "--format", "timesketch", "-o",
                                   os.path.join(work, "out.ts.jsonl"), bundle]),
        ]
        print("%-18s %9s %14s %5s" % ("command", "seconds", "peak RSS MiB", "exit"))
        for label, argv in runs:
            seconds, mib, code = measure(argv)
            print("%-18s %9.1f %14.1f %5d" % (label, seconds, mib, code))
            for out in ("out.db", "out.jsonl", "out.ts.jsonl"):
                path = os.path.join(work, out)
                if os.path.exists(path):
                    os.unlink(path)
    finally:
        if not a.keep and not a.dir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
