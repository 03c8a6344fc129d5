#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the static libarchive the static builds link (CMake target irsnap::libarchive): ZIP
# writing with ZipCrypto, zlib its only dependency, every other feature off. It comes from
# Debian's own source package (the version of libarchive-dev apt would install, Debian's patches
# applied by dpkg-source), built with its CMake build; only the archive_static target. Debian's
# libarchive.a cannot serve: its format table drags in xml2 and ICU (docs/design/
# specimen-archives.md).
#   scripts/build-libarchive.sh linux OUT_DIR            for the static Linux binary (build.sh,
#                                                        test.sh), with zlib1g-dev's libz.a
#   scripts/build-libarchive.sh mingw OUT_DIR            for irsnap.exe (build-windows.sh), with
#                                                        libz-mingw-w64-dev's libz.a
#   scripts/build-libarchive.sh linux|mingw OUT_DIR --fetch
#                                                        only download the source package (the
#                                                        apt part, which test.sh does before it
#                                                        starts the build in the background)
# OUT_DIR, given to CMake as -DIRSNAP_LIBARCHIVE_DIR=OUT_DIR:
#   include/archive.h, include/archive_entry.h, lib/libarchive.a   what CMake reads
#   download/   the source package;  src/  the patched sources;  build/  the CMake build tree
#   stamp       version, compiler, zlib and flags: the library is rebuilt only when it changes
# Dependencies (install-deps.sh installs them): dpkg-dev, xz-utils, cmake, ninja-build, and gcc +
# zlib1g-dev, or gcc-mingw-w64-x86-64-posix + libz-mingw-w64-dev. IRSNAP_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
usage() { echo "usage: scripts/build-libarchive.sh linux|mingw OUT_DIR [--fetch]" >&2; exit 2; }
[[ $# -ge 2 && $# -le 3 ]] || usage
target=$1
[[ $target == linux || $target == mingw ]] || usage
fetch_only=0
case "${3:-}" in
  "") ;;
  --fetch) fetch_only=1 ;;
  *) usage ;;
esac
mkdir -p "$2"
out=$(cd "$2" && pwd)
jobs=${IRSNAP_JOBS:-2}

# Every optional feature off: no crypto backend (ZipCrypto is built in), no compressor but zlib,
# no iconv (member names must be ASCII), no regex, no ACLs or xattrs, no programs or tests.
# LIBMD_FOUND: libarchive would take FreeBSD's libmd for its digests if the host had it.
flags=(-DCMAKE_BUILD_TYPE=Release -DENABLE_TEST=OFF -DENABLE_TAR=OFF -DENABLE_CPIO=OFF
       -DENABLE_CAT=OFF -DENABLE_INSTALL=OFF -DENABLE_OPENSSL=OFF -DENABLE_MBEDTLS=OFF
       -DENABLE_NETTLE=OFF -DENABLE_CNG=OFF -DENABLE_LIBXML2=OFF -DENABLE_EXPAT=OFF
       -DENABLE_LZMA=OFF -DENABLE_ZSTD=OFF -DENABLE_LZ4=OFF -DENABLE_LZO=OFF -DENABLE_BZip2=OFF
       -DENABLE_LIBB2=OFF -DENABLE_ICONV=OFF -DENABLE_ACL=OFF -DENABLE_XATTR=OFF
       -DENABLE_PCREPOSIX=OFF -DENABLE_LIBGCC=OFF -DPOSIX_REGEX_LIB=NONE -DENABLE_ZLIB=ON
       -DLIBMD_FOUND=OFF)
case "$target" in
  linux)
    cc=cc
    flags+=(-DCMAKE_C_COMPILER=cc)
    zlib_pkg=zlib1g-dev
    zlib_lib=$(gcc -print-file-name=libz.a)
    zlib_include=/usr/include
    built=libarchive.a
    ;;
  mingw)
    cc=x86_64-w64-mingw32-gcc-posix
    zlib_pkg=libz-mingw-w64-dev
    zlib_lib=/usr/x86_64-w64-mingw32/lib/libz.a
    zlib_include=/usr/x86_64-w64-mingw32/include
    built=libarchive_static.a
    # The toolchain file names the compiler and confines the search to the mingw sysroot. The
    # ZLIB_WINAPI probe is a try_run, which a cross build cannot run (CMake 3.25 segfaults on it):
    # Debian's mingw zlib is not built with ZLIB_WINAPI, so its answer is given here.
    flags+=(-DCMAKE_TOOLCHAIN_FILE="$root/scripts/mingw-w64-x86_64.cmake"
            -DZLIB_WINAPI_EXITCODE=1 -DZLIB_WINAPI_EXITCODE__TRYRUN_OUTPUT=)
    ;;
esac
# libz.a, never libz.so or libz.dll.a: the static builds link zlib in.
flags+=(-DZLIB_LIBRARY="$zlib_lib" -DZLIB_INCLUDE_DIR="$zlib_include")

# The version apt installs as libarchive-dev (the dynamic builds link that one).
version=$(apt-cache policy libarchive-dev | sed -n 's/^ *Candidate: //p')
if [[ -z $version || $version == "(none)" ]]; then
  echo "build-libarchive.sh: apt knows no libarchive-dev version (run apt-get update)" >&2
  exit 1
fi
zlib_version=$(dpkg-query -W -f='${Version}' "$zlib_pkg" 2>/dev/null || true)
[[ -n $zlib_version && -f $zlib_lib ]] || {
  echo "build-libarchive.sh: $zlib_lib missing: install $zlib_pkg (scripts/install-deps.sh)" >&2
  exit 1
}
cc_version=$("$cc" -dumpfullversion)
stamp="libarchive $version; $target; $cc $cc_version; $zlib_pkg $zlib_version; ${flags[*]}"
lib=$out/lib/libarchive.a
if [[ -f $lib && -f $out/include/archive_entry.h && -f $out/stamp &&
      "$(cat "$out/stamp")" == "$stamp" ]]; then
  echo "build-libarchive.sh: libarchive ($target) cached ($lib)"
  exit 0
fi

started=$(date +%s)
download=$out/download
dsc=$download/libarchive_${version#*:}.dsc
if [[ ! -f $dsc ]]; then
  scripts/install-deps.sh --source "libarchive=$version"
  rm -rf "$download" "$download.part"
  mkdir -p "$download.part"
  # apt drops to the _apt user for downloads when it can write there.
  [[ $(id -u) -ne 0 ]] || ! id _apt >/dev/null 2>&1 || chown _apt "$download.part"
  (cd "$download.part" && apt-get source --download-only -qq "libarchive=$version")
  mv "$download.part" "$download"
fi
((fetch_only)) && exit 0

rm -rf "$out/src" "$out/build" "$out/stamp"
# dpkg-source checks the files against the .dsc and applies Debian's patches (reader-side CVE
# fixes; the writer is untouched). apt checked the .dsc against its signed index.
dpkg-source --no-copy -x "$dsc" "$out/src" >"$out/unpack.log" 2>&1 || {
  cat "$out/unpack.log" >&2
  exit 1
}
echo "build-libarchive.sh: building libarchive $version ($target) with $cc"
nice -n 5 cmake -S "$out/src" -B "$out/build" -G Ninja "${flags[@]}" \
  >"$out/configure.log" 2>&1 || {
  tail -n 30 "$out/configure.log" >&2
  echo "build-libarchive.sh: configure failed (log: $out/configure.log)" >&2
  exit 1
}
configured=$(date +%s)
nice -n 5 cmake --build "$out/build" --target archive_static -j "$jobs" >"$out/build.log" 2>&1 || {
  grep -E 'error|FAILED' "$out/build.log" | head -n 30 >&2
  echo "build-libarchive.sh: build failed (log: $out/build.log)" >&2
  exit 1
}
mkdir -p "$out/include" "$out/lib"
cp "$out/src/libarchive/archive.h" "$out/src/libarchive/archive_entry.h" "$out/include/"
cp "$out/build/libarchive/$built" "$lib"
echo "$stamp" >"$out/stamp"
now=$(date +%s)
echo "build-libarchive.sh: built $lib ($target, $((now - started)) s: configure" \
  "$((configured - started)) s, compile $((now - configured)) s)"
