#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-builds the static Windows field binary build-windows/irsnap.exe with Debian 12's
# mingw-w64 (posix thread model). Dependencies, all from Debian, none copied into the repo:
#   fmt, spdlog, nlohmann/json   header-only, from the -dev packages
#   Boost.Program_options        its sources from Debian's boost1.74 source package, built here
#                                with the mingw compiler into a static library, cached
#   libarchive, zlib             libarchive from Debian's source package, built with the mingw
#                                compiler by scripts/build-libarchive.sh, cached; zlib's libz.a
#                                from libz-mingw-w64-dev
#   OpenSSL's libcrypto          from Debian's openssl source package (libssl-dev's version,
#                                the library the Linux build links), built with the mingw
#                                compiler by scripts/build-openssl.sh, cached: the bundle
#                                encryption's primitives, the same library on both OSes
# Everything goes under the build tree (default build-windows/, or $IRSNAP_WINDOWS_BUILD):
#   deps/include/   symlinks to exactly fmt, spdlog, nlohmann and boost under /usr/include:
#                   the cross compiler must never see the host's /usr/include itself
#   deps/boost/     the downloaded source package, the extracted sources, objects and
#                   deps/lib/libboost_program_options.a (rebuilt only when its stamp changes)
#   deps/libarchive/  its source package, build tree, include/ and lib/libarchive.a (rebuilt only
#                   when its stamp changes)
#   deps/openssl/   its source package, build tree, include/openssl/ and lib/libcrypto.a (rebuilt
#                   only when its stamp changes)
#
#   scripts/build-windows.sh            irsnap.exe
#   scripts/build-windows.sh --tests    also tests/irsnap_windows_tests.exe (unit tests, run under
#                                       Wine) and tests/irsnap_wine_child.exe (the end-to-end
#                                       test's program); GoogleTest from Debian's sources
#   IRSNAP_WINDOWS_UNITY=ON             unity batches (faster cold builds; test.sh uses it)
set -euo pipefail
cd "$(dirname "$0")/.."
tests=OFF
targets=(irsnap)
if [[ "${1:-}" == "--tests" ]]; then
  tests=ON
  targets+=(irsnap_windows_tests irsnap_wine_child)
fi
root=$(pwd)
build=${IRSNAP_WINDOWS_BUILD:-$root/build-windows}
deps=$build/deps
cxx=x86_64-w64-mingw32-g++-posix
ar=x86_64-w64-mingw32-ar
boost_pkg=boost1.74
jobs=${IRSNAP_JOBS:-2}

scripts/install-deps.sh --windows

# ---- restricted include directory ------------------------------------------------------------
mkdir -p "$deps/include" "$deps/lib"
for d in fmt spdlog nlohmann boost; do
  [[ -d /usr/include/$d ]] || { echo "build-windows.sh: /usr/include/$d missing" >&2; exit 1; }
  ln -sfn "/usr/include/$d" "$deps/include/$d"
done

# ---- Boost.Program_options, built once -------------------------------------------------------
boost_lib=$deps/lib/libboost_program_options.a
boost_dir=$deps/boost
boost_version=$(dpkg-query -W -f='${Version}' libboost1.74-dev)
cxx_version=$("$cxx" -dumpversion)
boost_flags=(-O2 -std=c++20 -DNDEBUG -DBOOST_ALL_NO_LIB -DBOOST_BIND_GLOBAL_PLACEHOLDERS)
stamp="boost $boost_version; $cxx $cxx_version; ${boost_flags[*]}"
if [[ -f $boost_lib && -f $boost_dir/stamp && "$(cat "$boost_dir/stamp")" == "$stamp" ]]; then
  echo "build-windows.sh: Boost.Program_options cached ($boost_lib)"
else
  started=$(date +%s)
  mkdir -p "$boost_dir/download"
  orig=$(ls "$boost_dir"/download/"${boost_pkg}"_*.orig.tar.* 2>/dev/null | head -n1 || true)
  if [[ -z $orig ]]; then
    # apt-get source needs a deb-src line for the suite the headers came from.
    scripts/install-deps.sh --source "$boost_pkg=$boost_version"
    # apt drops to the _apt user for downloads when it can write there.
    [[ $(id -u) -ne 0 ]] || ! id _apt >/dev/null 2>&1 || chown _apt "$boost_dir/download"
    (cd "$boost_dir/download" && apt-get source --download-only -qq "$boost_pkg=$boost_version")
    orig=$(ls "$boost_dir"/download/"${boost_pkg}"_*.orig.tar.* | head -n1)
  fi
  rm -rf "$boost_dir/src" "$boost_dir/obj"
  mkdir -p "$boost_dir/src" "$boost_dir/obj"
  # Only the library's own sources; its headers come from libboost1.74-dev (same version).
  tar -xf "$orig" -C "$boost_dir/src" --strip-components=1 --wildcards '*/libs/program_options/src/*'
  sources=("$boost_dir"/src/libs/program_options/src/*.cpp)
  echo "build-windows.sh: building Boost.Program_options (${#sources[@]} sources) with $cxx"
  printf '%s\n' "${sources[@]}" |
    xargs -P "$jobs" -I{} sh -c 'f="$1"; o="$2/$(basename "$f" .cpp).o"; shift 2;
      exec nice -n 5 "$0" "$@" -c "$f" -o "$o"' "$cxx" {} "$boost_dir/obj" -isystem "$deps/include" \
      "${boost_flags[@]}"
  rm -f "$boost_lib"
  "$ar" rcs "$boost_lib" "$boost_dir"/obj/*.o
  echo "$stamp" >"$boost_dir/stamp"
  echo "build-windows.sh: Boost.Program_options built in $(($(date +%s) - started)) s"
fi

# ---- libarchive (specimen archives), built once ------------------------------------------------
IRSNAP_JOBS=$jobs scripts/build-libarchive.sh mingw "$deps/libarchive"

# ---- OpenSSL's libcrypto (bundle encryption), built once ---------------------------------------
# After libarchive, not beside it: both builds use -j$jobs already, and a cold one takes ~50 s.
IRSNAP_JOBS=$jobs scripts/build-openssl.sh mingw "$deps/openssl"

# ---- irsnap.exe ------------------------------------------------------------------------------
cmake -S . -B "$build" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$root/scripts/mingw-w64-x86_64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DIRSNAP_STATIC=ON -DIRSNAP_BUILD_TESTS=$tests \
  -DIRSNAP_WINDOWS_DEPS="$deps" -DIRSNAP_LIBARCHIVE_DIR="$deps/libarchive" \
  -DIRSNAP_OPENSSL_DIR="$deps/openssl" \
  -DIRSNAP_UNITY="${IRSNAP_WINDOWS_UNITY:-OFF}"
nice -n 5 cmake --build "$build" --target "${targets[@]}" -j "$jobs"

# Nothing but Windows' own DLLs may be imported.
allowed='^(KERNEL32|ADVAPI32|BCRYPT|NTDLL|msvcrt|WS2_32|IPHLPAPI|PSAPI|USER32|SHELL32|OLE32|VERSION|WINTRUST|CRYPT32|SECUR32|USERENV|api-ms-win-[a-z0-9-]+)\.dll$'
bad=$(x86_64-w64-mingw32-objdump -p "$build/irsnap.exe" | sed -n 's/^\s*DLL Name: //p' |
  grep -viE "$allowed" || true)
if [[ -n $bad ]]; then
  echo "build-windows.sh: irsnap.exe imports non-system DLLs: $bad" >&2
  exit 1
fi
echo "built $build/irsnap.exe (static; imports only Windows system DLLs)"
