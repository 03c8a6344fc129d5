#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One Wine session for the end-to-end test (tests/integration/test_windows_wine.cpp), in a fresh
# network namespace: Wine builds its TCP table from the host's whole /proc/net/tcp (tens of
# seconds on a busy host, milliseconds here), and the loopback listener must be the only one.
#   wine_session.sh WORK WINDOWS_BUILD_DIR PORT
# Leaves in WORK: out/<bundle>, observe/<bundle> (--observe 4 --collectors activity while the
# test program's beacon connects once a second), observe_timeout/<bundle> (the same cut at
# --timeout-per-collector 2), beacon.out, observe.rc, observe_timeout.rc,
# memout/<bundle> and memsmall/<bundle> (the memory collector
# alone, dumping the test program; the second unfrozen within a small budget), stream.tar, child.out, unit.out, unit.rc, collect.rc, stream.rc,
# child.path (the test program's copy in the user's %TEMP%, which the samples collector must
# copy) and history.txt (the PSReadLine history planted for the files collector).
# One wineserver serves every step: a cold start costs seconds.
set -euo pipefail
work=$1 build=$2 port=$3
# Debian's wine64 package installs its programs under /usr/lib/wine and nothing on PATH (the
# `wine` wrapper package is not installed): call them there. WINE/WINESERVER override.
export WINE=${WINE:-/usr/lib/wine/wine64} WINESERVER=${WINESERVER:-/usr/lib/wine/wineserver64}
for tool in "$WINE" "$WINESERVER"; do
  [[ -x $tool ]] || { echo "wine_session.sh: $tool missing (scripts/install-deps.sh --windows)" >&2; exit 1; }
done
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" LC_ALL=C.UTF-8
mkdir -p "$work/out" "$work/memout" "$work/memsmall" "$work/observe" "$work/observe_timeout"
exec unshare -n bash -euo pipefail -s "$work" "$build" "$port" <<'SESSION'
work=$1 build=$2 port=$3
ip link set lo up
# A route the routes collector must find (Wine reads the namespace's table).
ip route add 10.99.0.0/16 dev lo
"$WINE" wineboot -i >/dev/null 2>&1
trap '"$WINESERVER" -k 2>/dev/null || true' EXIT
# A Run value the autoruns collector must find, with a target that exists in every prefix.
"$WINE" reg add 'HKLM\Software\Microsoft\Windows\CurrentVersion\Run' /v IrsnapWineTest \
  /t REG_SZ /d 'C:\windows\system32\notepad.exe /irsnap-wine-test' /f >/dev/null 2>&1
# The user's profile (the one directory under drive_c/users that is not Public).
profile=
for d in "$WINEPREFIX"/drive_c/users/*; do [[ ${d##*/} == Public ]] || profile=$d; done
# An unsigned program running from %TEMP%: the samples collector must copy it.
temp=$profile/AppData/Local/Temp
mkdir -p "$temp"
cp "$build/tests/irsnap_wine_child.exe" "$temp/irsnap_wine_child.exe"
echo "$temp/irsnap_wine_child.exe" >"$work/child.path"
# A PowerShell history the files collector must copy.
history=$profile/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine
mkdir -p "$history"
printf 'Get-Process irsnap-psreadline-test\r\nexit\r\n' >"$history/ConsoleHost_history.txt"
cp "$history/ConsoleHost_history.txt" "$work/history.txt"
"$WINE" "$temp/irsnap_wine_child.exe" --listen "$port" --hold "Z:${work//\//\\}\\held-file.txt" \
  >"$work/child.out" 2>&1 &
for _ in $(seq 100); do grep -q '^ready' "$work/child.out" && break; sleep 0.1; done
rc=0; "$WINE" "$build/irsnap.exe" collect -q -o "Z:${work//\//\\}\\out" || rc=$?
echo "$rc" >"$work/collect.rc"
child=$(sed -n 's/^ready \([0-9]*\).*/\1/p' "$work/child.out")
rc=0; "$WINE" "$build/irsnap.exe" collect -q --collectors memory --dump-pid "${child:-0}" \
  -o "Z:${work//\//\\}\\memout" || rc=$?
echo "$rc" >"$work/memory.rc"
# The same process again, running (no freeze), without the region capture, within 8 MiB.
rc=0; "$WINE" "$build/irsnap.exe" collect -q --collectors memory --dump-pid "${child:-0}" \
  --dump-no-freeze --no-memory-regions --max-dump-bytes 8388608 \
  -o "Z:${work//\//\\}\\memsmall" || rc=$?
echo "$rc" >"$work/memsmall.rc"
rc=0; "$WINE" "$build/irsnap.exe" collect -q --collectors system,processes -o - \
  >"$work/stream.tar" 2>"$work/stream.err" || rc=$?
echo "$rc" >"$work/stream.rc"
# Sealed to the key the test made (work/recipient): the Linux build opens it.
rc=0; "$WINE" "$build/irsnap.exe" collect -q --collectors system,processes \
  --recipient "$(cat "$work/recipient")" -o "Z:${work//\//\\}\\sealed" || rc=$?
echo "$rc" >"$work/sealed.rc"
# ... and the Windows build opens it too (the decrypting pipe and thread under Wine).
sealed_file=$(ls "$work"/sealed/*.tar.age 2>/dev/null | head -n 1)
rc=0; "$WINE" "$build/irsnap.exe" verify -i "Z:${work//\//\\}\\key.txt" "Z:${sealed_file//\//\\}" \
  >"$work/sealed_verify.out" 2>&1 || rc=$?
echo "$rc" >"$work/sealed_verify.rc"
# The observation window: a beacon on the next port connects to itself once a second and starts
# a copy of itself that lives 300 ms.
beacon_port=$((port + 1))
"$WINE" "$build/tests/irsnap_wine_child.exe" --beacon "$beacon_port" >"$work/beacon.out" 2>&1 &
for _ in $(seq 100); do grep -q '^ready' "$work/beacon.out" && break; sleep 0.1; done
rc=0; "$WINE" "$build/irsnap.exe" collect -q --observe 4 --collectors activity \
  -o "Z:${work//\//\\}\\observe" || rc=$?
echo "$rc" >"$work/observe.rc"
# The same window cut short by --timeout-per-collector: it must end early with a valid bundle.
rc=0; "$WINE" "$build/irsnap.exe" collect -q --observe 30 --timeout-per-collector 2 \
  --collectors activity -o "Z:${work//\//\\}\\observe_timeout" || rc=$?
echo "$rc" >"$work/observe_timeout.rc"
rc=0; "$WINE" "$build/tests/irsnap_windows_tests.exe" --gtest_brief=1 >"$work/unit.out" 2>&1 || rc=$?
echo "$rc" >"$work/unit.rc"
SESSION
