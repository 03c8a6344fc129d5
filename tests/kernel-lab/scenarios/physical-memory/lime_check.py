#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Host-side check of the physical-memory scenario's LiME image, independent of irsnap's code:
# walks the 32-byte range headers, compares the ranges with the guest's /proc/iomem System RAM
# lines and with irsnap's range records (digests), and finds the marker (A xor B) exactly once,
# at the physical address the guest's process reported.
#
#   lime_check.py IMAGE RANGE_RECORDS.jsonl HEX_A HEX_B PHYS IOMEM_RANGE...
# Prints one "ok"/"FAIL" line per check and exits 1 after any FAIL.
import hashlib
import json
import struct
import sys

image_path, records_path, hex_a, hex_b, phys = sys.argv[1:6]
iomem = [tuple(int(x, 16) for x in r.split("-")) for r in sys.argv[6:]]
failed = False


def check(what, ok):
    global failed
    print(("  ok   " if ok else "  FAIL ") + what)
    failed = failed or not ok


marker = bytes(a ^ b for a, b in zip(bytes.fromhex(hex_a), bytes.fromhex(hex_b)))
ranges = []  # (start, end exclusive, data offset)
digests = []
found = []
with open(image_path, "rb") as f:
    offset = 0
    while True:
        header = f.read(32)
        if not header:
            break
        magic, version, start, last = struct.unpack("<IIQQ", header[:24])
        if magic != 0x4C694D45 or version != 1 or last < start:
            check(f"a LiME range header at offset {offset}", False)
            break
        ranges.append((start, last + 1, offset + 32))
        digest = hashlib.sha256()
        left = last + 1 - start
        position = start
        tail = b""
        while left > 0:
            chunk = f.read(min(left, 1 << 22))
            if not chunk:
                break
            digest.update(chunk)
            # The marker may straddle two chunks: search the previous chunk's tail with this one.
            window = tail + chunk
            at = window.find(marker)
            while at >= 0:
                found.append(position - len(tail) + at)
                at = window.find(marker, at + 1)
            tail = chunk[-(len(marker) - 1):]
            position += len(chunk)
            left -= len(chunk)
        check(f"range 0x{start:x}-0x{last + 1:x} is whole in the image", left == 0)
        digests.append(digest.hexdigest())
        offset += 32 + (last + 1 - start)

check(f"the image's {len(ranges)} ranges equal /proc/iomem's {len(iomem)} System RAM ranges",
      [(s, e) for s, e, _ in ranges] == [(s, e + 1) for s, e in iomem])
records = [json.loads(line) for line in open(records_path)]
records = [r for r in records if r.get("kind") == "range"]
check("irsnap's range records list the same ranges",
      [(int(r["start"], 16), int(r["end"], 16)) for r in records] == [(s, e) for s, e, _ in ranges])
check("each range's sha256 in its record is that of its bytes in the image",
      [r["sha256"] for r in records] == digests)
# kcore maps whole pages: a hole may only be the part of a first or last page that the range
# covers in part (x86's first range ends at 0x9fc00), never a page of RAM the image lacks.
PAGE = 4096
edge_only = True
for r in records:
    start, end = int(r["start"], 16), int(r["end"], 16)
    head = (start, min(end, -(-start // PAGE) * PAGE))
    tail = (max(head[1], end // PAGE * PAGE), end)
    for h in r.get("holes") or []:
        hs, he = int(h["start"], 16), int(h["end"], 16)
        edge_only = edge_only and any(a <= hs and he <= b for a, b in (head, tail))
check("every hole is a partly covered first or last page of its range", edge_only)
check(f"the marker is in the image exactly once (found at {[hex(a) for a in found]})",
      len(found) == 1)
check(f"at the physical address the guest's process reported ({phys})",
      found == [int(phys, 16)])
inside = any(s <= int(phys, 16) < e for s, e, _ in ranges)
check("inside a recorded System RAM range", inside)
print(f"LIME ranges={len(ranges)} marker_at={','.join(hex(a) for a in found)}")
sys.exit(1 if failed else 0)
