#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Benchmark peer for bench_compare.sh (not a test): what a responder's psutil script collects,
# the same data as irsnap's process and descriptor walk: for every process its pid, ppid, user
# name, command line, open files and inet connections. One JSON line per process on stdout.
#
#   tests/bench/psutil_walk.py [--per-process-connections]
#
# Connections come from one system-wide psutil.net_connections('inet'), which reads the socket
# tables once and maps socket inodes to pids by walking /proc/*/fd, the way irsnap does too.
# --per-process-connections asks each process instead (Process.net_connections, or
# .connections before psutil 6), which rereads the whole tables once per process: quadratic,
# minutes at N=2000, shown only for comparison.
# Processes that vanish mid-walk or deny access are counted and kept with what was readable.
import json
import sys

import psutil


def inet_connections_by_pid():
    by_pid = {}
    for c in psutil.net_connections(kind="inet"):
        if c.pid is None:
            continue
        by_pid.setdefault(c.pid, []).append(connection_json(c))
    return by_pid


def connection_json(c):
    return {
        "fd": c.fd,
        "family": int(c.family),
        "type": int(c.type),
        "laddr": list(c.laddr) if c.laddr else None,
        "raddr": list(c.raddr) if c.raddr else None,
        "status": c.status,
    }


def per_process_connections(p):
    method = getattr(p, "net_connections", None) or p.connections
    return [connection_json(c) for c in method(kind="inet")]


def main():
    per_process = "--per-process-connections" in sys.argv[1:]
    by_pid = {} if per_process else inet_connections_by_pid()
    out = sys.stdout
    vanished = denied = 0
    for p in psutil.process_iter(["pid", "ppid", "username", "cmdline"]):
        record = dict(p.info)
        try:
            record["open_files"] = [[f.path, f.fd] for f in p.open_files()]
            record["connections"] = (
                per_process_connections(p) if per_process else by_pid.get(p.pid, [])
            )
        except psutil.NoSuchProcess:
            vanished += 1
            continue
        except psutil.AccessDenied:
            denied += 1
        out.write(json.dumps(record) + "\n")
    print(f"psutil {psutil.__version__}: {vanished} vanished, {denied} denied", file=sys.stderr)


if __name__ == "__main__":
    main()
