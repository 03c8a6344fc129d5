#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that every #include "..." in irsnap's sources points down the layers, never up.

    base -> platform -> core -> collectors -> analysis -> cli

The build already refuses most wrong includes (a layer's target only sees the include roots of
the layers below it); this check names each offence in one line, also catches a private header
of another layer reached through a relative path, and prints the dependency graph it found
(--graph). Usage: scripts/check-layers.py [--graph] [REPO_ROOT]. Exit 0: clean; 1: offences.
"""
import collections
import os
import re
import sys

LAYERS = ['base', 'platform', 'core', 'collectors', 'analysis', 'cli']
RANK = {name: i for i, name in enumerate(LAYERS)}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    """The layer a repository path belongs to, or None (tests, generated files)."""
    parts = path.split('/')
    if parts[0] == 'include' and len(parts) > 1 and parts[1] in RANK:
        return parts[1]
    if parts[0] == 'src' and len(parts) > 1 and parts[1] in RANK:
        return parts[1]
    if parts[0] == 'collectors':
        return 'collectors'
    return None


def is_private(path):
    """Headers beside sources (src/<layer>/..., collectors/...) belong to their own layer."""
    return path.startswith('src/') or path.startswith('collectors/')


def roots_for(layer):
    """Include roots a file of `layer` is compiled with (its own and every layer's below)."""
    roots = ['include/' + name for name in LAYERS[:RANK[layer] + 1] if name != 'cli']
    if layer == 'collectors':
        roots.append('collectors')
    if layer == 'platform' or RANK[layer] > RANK['platform']:
        roots.append('src/platform/windows/posix')
    return roots


def resolve(repo, includer, text, layer):
    here = os.path.dirname(includer)
    candidates = [os.path.normpath(os.path.join(here, text))]
    # Every root of every layer: a header found only in a root the includer should not see is
    # exactly what this check reports.
    all_roots = ['include/' + name for name in LAYERS] + ['collectors', 'src/cli', 'src',
                                                          'src/platform/windows/posix']
    candidates += [os.path.normpath(os.path.join(root, text)) for root in all_roots]
    for candidate in candidates:
        if os.path.isfile(os.path.join(repo, candidate)):
            return candidate
    return None


def main(argv):
    graph = '--graph' in argv
    args = [a for a in argv if a != '--graph']
    repo = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), '..'))
    offences = []
    edges = collections.Counter()
    files = 0
    for top in ('include', 'src', 'collectors'):
        for dirpath, _, names in os.walk(os.path.join(repo, top)):
            for name in sorted(names):
                if not name.endswith(('.cpp', '.hpp', '.h', '.in')):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), repo)
                layer = layer_of(path)
                if layer is None:
                    continue
                files += 1
                with open(os.path.join(repo, path), encoding='utf-8', errors='replace') as f:
                    text = f.read()
                for match in INCLUDE.finditer(text):
                    line = text.count('\n', 0, match.start()) + 1
                    target = resolve(repo, path, match.group(1), layer)
                    if target is None:
                        continue  # generated (build_info.hpp) or a system header in quotes
                    to = layer_of(target)
                    if to is None:
                        continue
                    edges[(layer, to)] += 1
                    where = f'{path}:{line}: includes "{match.group(1)}" ({target})'
                    if RANK[to] > RANK[layer]:
                        offences.append(f'{where}: layer {layer} may not include layer {to} (above it)')
                    elif to != layer and is_private(target):
                        offences.append(f'{where}: a private header of layer {to}')
                    elif to == layer:
                        continue
                    elif not any(target.startswith(root + '/') for root in roots_for(layer)):
                        offences.append(f'{where}: not under an include root of layer {layer}')
    if graph:
        print('layer dependencies (includes counted):')
        for (src, dst), count in sorted(edges.items(), key=lambda e: (RANK[e[0][0]], RANK[e[0][1]])):
            if src != dst:
                print(f'  {src:10} -> {dst:10} {count:4}')
    for offence in offences:
        print(offence, file=sys.stderr)
    if offences:
        print(f'check-layers: {len(offences)} include(s) against the layers (above)', file=sys.stderr)
        return 1
    print(f'check-layers: {files} files, every include points down the layers')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
