#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end check of the Windows build under Wine (not part of scripts/test.sh yet):
# irsnap.exe --version, list, collect into a directory and as a tar stream; the LINUX build
# verifies both bundles and rejects a tampered copy, and irsnap.exe verifies a Linux bundle.
#
#   scripts/windows-wine-check.sh [LINUX_IRSNAP] [IRSNAP_EXE]
#
# Defaults: build/irsnap (else build-dev/irsnap) and build-windows/irsnap.exe. Needs root for
# `unshare -n`: Wine builds its TCP table from the host's whole /proc/net/tcp, which takes tens
# of seconds on a busy host and milliseconds in a fresh network namespace (loopback up).
set -euo pipefail
cd "$(dirname "$0")/.."
linux=${1:-}
if [[ -z $linux ]]; then
  for candidate in build/irsnap build-dev/irsnap; do
    [[ -x $candidate ]] && { linux=$candidate; break; }
  done
fi
exe=$(realpath "${2:-build-windows/irsnap.exe}")
[[ -x ${linux:-} ]] || { echo "windows-wine-check.sh: no Linux irsnap (give its path)" >&2; exit 2; }
linux=$(realpath "$linux")
command -v wine >/dev/null || { echo "windows-wine-check.sh: wine missing (apt-get install wine64)" >&2; exit 2; }

work=$(mktemp -d /tmp/irsnap-wine.XXXXXX)
cleanup() {
  WINEPREFIX=$work/prefix wineserver -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/out" "$work/linux-out"
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
"$linux" collect -q --collectors system,processes -o "$work/linux-out" || true
linux_bundle=$(ls -d "$work"/linux-out/*/)

# One namespace, one wineserver for every step: a cold Wine start costs seconds.
unshare -n bash -euo pipefail -s "$exe" "$work" "$linux_bundle" <<'EOF'
exe=$1 work=$2 linux_bundle=$3
ip link set lo up
started=$(date +%s.%N)
wineboot -i >/dev/null 2>&1
echo "wineboot: $(echo "$(date +%s.%N) - $started" | bc) s"
win() { wine "$exe" "$@"; }
win --version
win list
started=$(date +%s.%N)
win collect -o "Z:${work//\//\\}\\out"
echo "collect: $(echo "$(date +%s.%N) - $started" | bc) s"
win collect -q -o - >"$work/stream.tar"
win verify "Z:$linux_bundle"
EOF

bundle=$(ls -d "$work"/out/*/)
"$linux" verify "$bundle"
"$linux" verify "$work/stream.tar"
cp -a "$bundle" "$work/tampered"
printf 'x' >>"$work/tampered/artifacts/$(ls "$work/tampered/artifacts" | head -n1)"
if "$linux" verify "$work/tampered" >/dev/null; then
  echo "windows-wine-check.sh: a tampered Windows bundle verified" >&2
  exit 1
fi
echo "windows-wine-check.sh: ok (Windows bundles verify with the Linux build, a tampered one fails)"
