#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes N synthetic bundles of a busy Linux host for tests/bench/stack_bench.sh.

Each bundle verifies (`irsnap verify`): manifest.json lists every artifact with path, bytes,
records and sha256, and manifest.json.sha256 is in sha256sum format. Per bundle: ~1000
processes (150 of them kernel threads), ~20,000 module records, ~2,000 sockets, ~250 autoruns
and ~100 kernel modules, in the field layout of docs/collectors/*.md.

Content is mostly shared: hosts draw each artifact from a few variants (a group of hosts has
another agent version, other library builds, other clients), so stacking finds items on many,
some and few hosts. Identical artifacts are hard links into DIR/.pool, so 1,000 bundles take a
few hundred MB. Autoruns differ on every host (file times), so each host has one unique file.
One host, the "planted" one, also runs a rare binary from /dev/shm, maps it, connects to an IRC
port and starts it from cron: `irsnap stack` should list it first with count 1.

With --unique K every host also has K autorun entries no other host has, so the number of
distinct items (what stacking's memory grows with) is about N * K.

Usage: stack_bundles.py DIR N [--seed S] [--unique K]   (DIR/bundles/<host>_<time>/ are made)
"""
import argparse
import hashlib
import json
import os
import random
import sys

PROCESS_VARIANTS = 16
NETWORK_VARIANTS = 32
KMOD_VARIANTS = 4
ARTIFACTS = [("02_network", "network"), ("07_processes", "processes"),
             ("10_modules", "modules"), ("11_kernel_modules", "kernel_modules"),
             ("12_autoruns", "autoruns")]
PLANTED_EXE = "/dev/shm/.x/kworkerd"


def line(record):
    # As irsnap writes them: keys sorted, no spaces, UTF-8 kept.
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def planted_sha(host):
    return sha("planted" + host)


class Host:
    """The shared shape of the fleet: executables, libraries, services."""

    def __init__(self, rng):
        self.rng = rng
        dirs = ["/usr/bin", "/usr/sbin", "/usr/lib/systemd", "/opt/app/bin", "/usr/libexec"]
        self.exes = [f"{rng.choice(dirs)}/prog{i:03d}" for i in range(300)]
        self.libs = [f"/usr/lib/x86_64-linux-gnu/lib{i:03d}.so.{i % 7}" for i in range(420)]

    def exe_sha(self, path, variant=""):
        return sha("exe" + path + variant)

    def lib_sha(self, path, variant):
        # Four builds of every 40th library: a patch rolled out to part of the fleet.
        build = variant % 4 if self.libs.index(path) % 40 == 0 else 0
        return sha(f"lib{path}{build}")


def process_records(h, variant, planted):
    rng = random.Random(1000 + variant)
    out = []
    pid = 1
    for i in range(150):  # kernel threads: no executable
        out.append({"pid": pid, "ppid": 2, "name": f"kworker/{i % 8}:{i // 8}", "kernel_thread": True,
                    "argv": [], "exe_path": None, "exe_sha256": None, "exe_hash_note": "kernel thread",
                    "state": "I", "uid": 0, "user": "root", "threads": 1, "rss_bytes": 0,
                    "start_time": "2026-11-20T08:00:00.000000Z"})
        pid += 1
    exes = list(h.exes)
    agent = f"/opt/agent/v{variant}/agentd"  # one agent version per group of hosts
    while len(out) < 990:
        exe = exes[(len(out) * 7) % len(exes)] if len(out) < 700 else exes[rng.randrange(40)]
        out.append(process_record(pid, exe, h.exe_sha(exe), rng))
        pid += 1
    for _ in range(5):
        out.append(process_record(pid, agent, h.exe_sha(agent), rng))
        pid += 1
    for _ in range(5):
        exe = "/usr/bin/python3.11"
        out.append(process_record(pid, exe, h.exe_sha(exe), rng))
        pid += 1
    if planted:
        r = process_record(pid, PLANTED_EXE, planted_sha(planted), rng)
        r["name"] = "kworker/u8:3"  # a kernel thread's name on a user-space binary
        out.append(r)
    return out


def process_record(pid, exe, exe_sha, rng):
    name = os.path.basename(exe)[:15]
    return {"pid": pid, "ppid": 1, "name": name, "kernel_thread": False, "state": "S",
            "argv": [exe, "--config", f"/etc/{name}.conf", "--workers", str(rng.randrange(1, 9))],
            "exe_path": exe, "exe_deleted": False, "exe_memfd": False, "exe_device": 65024,
            "exe_inode": rng.randrange(10**6), "exe_size": rng.randrange(10**4, 10**7),
            "exe_sha256": exe_sha, "exe_hash_note": None, "cwd": "/", "root": "/",
            "uid": 0, "euid": 0, "suid": 0, "gid": 0, "egid": 0, "user": "root",
            "effective_user": "root", "group": "root",
            "start_time": "2026-11-20T08:00:01.000000Z", "start_ticks": rng.randrange(10**7),
            "threads": rng.randrange(1, 32), "rss_bytes": rng.randrange(10**6, 10**9),
            "vsize_bytes": rng.randrange(10**7, 10**10), "tty": "", "pgid": pid, "sid": pid,
            "nice": 0, "cgroup": f"0::/system.slice/{name}.service",
            "namespaces": {"cgroup": 4026531835, "ipc": 4026531839, "mnt": 4026531841,
                           "net": 4026531840, "pid": 4026531836, "user": 4026531837,
                           "uts": 4026531838},
            "ld_preload": None, "ld_library_path": None, "ld_audit": None}


def module_records(h, processes, variant):
    rng = random.Random(2000 + variant)
    out = []
    for p in processes:
        if p["kernel_thread"]:
            continue
        paths = [p["exe_path"]] + [h.libs[(p["pid"] * 13 + k * 31) % len(h.libs)] for k in range(23)]
        for path in paths:
            digest = p["exe_sha256"] if path == p["exe_path"] else h.lib_sha(path, variant)
            base = 0x7f0000000000 + rng.randrange(1 << 30) * 4096
            ranges = []
            for k, perms in enumerate(["r--p", "r-xp", "r--p", "rw-p"]):
                ranges.append({"start": hex(base + k * 0x10000), "end": hex(base + (k + 1) * 0x10000),
                               "perms": perms, "offset": k * 0x10000})
            out.append({"kind": "file", "pid": p["pid"], "process_name": p["name"], "path": path,
                        "ranges": ranges, "size_bytes": 0x40000, "executable": True,
                        "device": "254:0", "inode": rng.randrange(10**6), "deleted": False,
                        "memfd": False, "sha256": digest, "hash_note": None})
    return out


def network_records(variant, planted):
    rng = random.Random(3000 + variant)
    out = []

    def sock(proto, state, laddr, lport, raddr, rport):
        return {"protocol": proto, "family": "ipv4", "local_address": laddr, "local_port": lport,
                "remote_address": raddr, "remote_port": rport, "state": state,
                "inode": rng.randrange(10**7), "uid": 0, "tx_queue": 0, "rx_queue": 0,
                "netns": 4026531840, "views": ["netlink", "proc"], "cross_view_discrepancy": False,
                "discrepancy": None, "owners": [{"pid": rng.randrange(151, 1000), "fd": 7, "name": "nginx"}]}

    for port in [22, 80, 443, 8080, 9100, 5666, 25, 111]:
        out.append(sock("tcp", "LISTEN", "0.0.0.0", port, "0.0.0.0", 0))
    for port in [5432, 6379, 11211, 8125]:
        out.append(sock("tcp", "LISTEN", "127.0.0.1", port, "0.0.0.0", 0))
    for port in [53, 123, 161, 5353]:
        out.append(sock("udp", "CLOSE", "0.0.0.0", port, "0.0.0.0", 0))
    local = "10.1.0.10"
    while len(out) < 1500:  # clients of this host's web server: a variant's own client range
        client = f"198.51.{100 + variant % 8}.{rng.randrange(1, 255)}"
        out.append(sock("tcp", "ESTABLISHED", local, rng.choice([80, 443]), client, rng.randrange(32768, 61000)))
    while len(out) < 1900:  # to the shared backends
        backend = f"10.2.0.{rng.randrange(1, 20)}"
        out.append(sock("tcp", rng.choice(["ESTABLISHED", "TIME_WAIT"]), local, rng.randrange(32768, 61000),
                        backend, rng.choice([5432, 6379, 9200, 8500])))
    while len(out) < 2000:  # to the internet: package mirrors and APIs
        out.append(sock("tcp", "ESTABLISHED", local, rng.randrange(32768, 61000),
                        f"203.0.113.{rng.randrange(1, 40)}", 443))
    if planted:
        out.append(sock("tcp", "ESTABLISHED", local, 45678, "192.0.2.66", 6667))
    return out


def kmod_records(variant):
    out = [{"kind": "kernel", "kernel_release": "6.1.0-27-amd64", "tainted": 0, "taint_flags": [],
            "loadable_modules": True}]
    for i in range(100):
        name = f"mod{i:03d}"
        build = variant if i == 7 else 0  # a vendor driver in four builds
        out.append({"kind": "module", "name": name, "size": 4096 * (i + 1), "refcount": i % 3,
                    "used_by": [], "permanent": False, "state": "Live", "address": None, "taint": "",
                    "in_proc_modules": True, "in_sys_module": True, "cross_view_discrepancy": False,
                    "discrepancy": None, "file_path": f"/lib/modules/6.1.0-27-amd64/kernel/{name}.ko",
                    "sha256": sha(f"kmod{name}{build}"), "hash_note": None, "srcversion": None,
                    "version": None})
    return out


def autorun_records(host_index, planted, unique):
    rng = random.Random(4000 + host_index)  # file times differ on every host
    out = []

    def entry(category, source, command, target, digest=None):
        t = f"2026-{rng.randrange(1, 11):02d}-{rng.randrange(1, 28):02d}T{rng.randrange(24):02d}:00:00.000000Z"
        return {"category": category, "source_path": source, "source_line": 1, "user": "root",
                "uid": 0, "command": command, "target_path": target,
                "target_sha256": digest or (sha("exe" + target) if target else None),
                "target_exists": target is not None, "owner_uid": 0, "mode": "0644", "mtime": t,
                "ctime": t, "enabled": True, "details": {}}

    for i in range(220):
        unit = f"svc{i:03d}.service"
        out.append(entry("systemd_unit", f"/lib/systemd/system/{unit}", f"/usr/sbin/svc{i:03d} -f",
                         f"/usr/sbin/svc{i:03d}"))
    for i in range(20):
        out.append(entry("cron", f"/etc/cron.d/job{i:02d}", f"/usr/local/bin/job{i:02d} --quiet",
                         f"/usr/local/bin/job{i:02d}"))
    for f in ["/etc/profile", "/etc/bash.bashrc", "/root/.bashrc", "/root/.profile"]:
        out.append(entry("shell_startup", f, f, None))
    for i in range(6):
        out.append(entry("ssh_authorized_key", "/root/.ssh/authorized_keys",
                         f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{i:03d} admin{i}@corp", None))
    for k in range(unique):  # host-specific entries: distinct items grow with the fleet
        out.append(entry("cron", f"/var/spool/cron/crontabs/user{k:03d}",
                         f"/home/user{k:03d}/bin/sync --host {host_index} --slot {k}", None))
    if planted:
        out.append(entry("cron", "/var/spool/cron/crontabs/root", f"@reboot {PLANTED_EXE}",
                         PLANTED_EXE, planted_sha(planted)))
    return out


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class Pool:
    """Artifact files written once and hard-linked into every bundle that uses them."""

    def __init__(self, root):
        self.root = root
        os.makedirs(root, exist_ok=True)
        self.files = {}

    def get(self, key, make):
        if key not in self.files:
            records = make()
            text = "".join(line(r) + "\n" for r in records)
            path = os.path.join(self.root, key + ".jsonl")
            write_text(path, text)
            data = text.encode()
            self.files[key] = (path, len(data), len(records), hashlib.sha256(data).hexdigest())
        return self.files[key]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--unique", type=int, default=0,
                    help="autorun entries only this host has (default 0): distinct items grow")
    args = ap.parse_args()
    h = Host(random.Random(args.seed))
    pool = Pool(os.path.join(args.dir, ".pool"))
    bundles = os.path.join(args.dir, "bundles")
    os.makedirs(bundles, exist_ok=True)
    planted_index = (args.n * 2) // 5
    for i in range(args.n):
        host = f"web{i + 1:04d}"
        planted = host if i == planted_index else ""
        pv, nv, kv = i % PROCESS_VARIANTS, i % NETWORK_VARIANTS, i % KMOD_VARIANTS
        procs_key = f"processes_{pv}" + ("_planted" if planted else "")
        sources = {
            "network": pool.get(f"network_{nv}" + ("_planted" if planted else ""),
                                lambda: network_records(nv, planted)),
            "processes": pool.get(procs_key, lambda: process_records(h, pv, planted)),
            # Mappings follow the process table, so modules vary with it.
            "modules": pool.get(f"modules_{pv}" + ("_planted" if planted else ""),
                                lambda: module_records(h, process_records(h, pv, planted), pv)),
            "kernel_modules": pool.get(f"kmod_{kv}", lambda: kmod_records(kv)),
        }
        name = f"{host}_20261122T010000Z"
        bdir = os.path.join(bundles, name)
        os.makedirs(os.path.join(bdir, "artifacts"), exist_ok=True)
        artifacts = []
        for stem, collector in ARTIFACTS:
            rel = f"artifacts/{stem}.jsonl"
            dest = os.path.join(bdir, rel)
            if collector == "autoruns":  # unique per host
                records = autorun_records(i, planted, args.unique)
                text = "".join(line(r) + "\n" for r in records)
                write_text(dest, text)
                data = text.encode()
                artifacts.append({"path": rel, "bytes": len(data), "records": len(records),
                                  "sha256": hashlib.sha256(data).hexdigest()})
                continue
            src, size, count, digest = sources[collector]
            if os.path.exists(dest):
                os.unlink(dest)
            os.link(src, dest)
            artifacts.append({"path": rel, "bytes": size, "records": count, "sha256": digest})
        manifest = {
            "schema": 1, "bundle": name, "status": "complete",
            "host": {"hostname": host, "fqdn": f"{host}.corp.example", "os": "Debian GNU/Linux 12",
                     "kernel": "6.1.0-27-amd64", "architecture": "x86_64"},
            "clock": {"start": {"realtime": f"2026-11-22T01:00:{i % 60:02d}.000000Z",
                                "realtime_ns": 1795395600000000000 + i * 10**9}},
            "tool": {"name": "irsnap", "version": "synthetic (tests/bench/stack_bundles.py)"},
            "collectors": [{"name": c, "status": "ok"} for _, c in ARTIFACTS],
            "artifacts": artifacts,
        }
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        write_text(os.path.join(bdir, "manifest.json"), text)
        write_text(os.path.join(bdir, "manifest.json.sha256"), f"{sha(text)}  manifest.json\n")
    print(f"{args.n} bundles in {bundles}; planted host web{planted_index + 1:04d} "
          f"runs {PLANTED_EXE}; {len(pool.files)} pooled artifact files", file=sys.stderr)


if __name__ == "__main__":
    main()
