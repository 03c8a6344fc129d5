#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the static libcrypto irsnap.exe links (CMake target OpenSSL::Crypto on Windows): the
# primitives of the age bundle encryption (X25519, ChaCha20-Poly1305, HKDF-SHA-256, HMAC-SHA-256;
# AES kept) and nothing of TLS. It comes from Debian's own source package (the version of
# libssl-dev apt would install, Debian's patches applied by dpkg-source), so the Linux build
# (Debian's libcrypto) and irsnap.exe seal with the same library; only libcrypto.a is built.
#   scripts/build-openssl.sh mingw OUT_DIR           for irsnap.exe (build-windows.sh)
#   scripts/build-openssl.sh mingw OUT_DIR --fetch   only download the source package (the apt
#                                                    part, which test.sh does in the foreground)
# Only mingw: the Linux builds link Debian's libcrypto (libssl-dev) itself.
# OUT_DIR, given to CMake as -DIRSNAP_OPENSSL_DIR=OUT_DIR:
#   include/openssl/*.h, lib/libcrypto.a   what CMake reads
#   download/   the source package (download/source: which version, for which candidate)
#   src/        the patched sources;  build/  the out-of-tree build
#   stamp       version, compiler and Configure options: the library is rebuilt only when it
#               changes
# Dependencies (install-deps.sh --windows installs them): dpkg-dev, xz-utils (dpkg-source), perl
# and make (OpenSSL's Configure and its Makefile), gcc-mingw-w64-x86-64-posix. IRSNAP_JOBS
# (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: scripts/build-openssl.sh mingw OUT_DIR [--fetch]  (only mingw)" >&2; exit 2; }
[[ $# -ge 2 && $# -le 3 ]] || usage
target=$1
[[ $target == mingw ]] || usage
fetch_only=0
case "${3:-}" in
  "") ;;
  --fetch) fetch_only=1 ;;
  *) usage ;;
esac
mkdir -p "$2"
out=$(cd "$2" && pwd)
jobs=${IRSNAP_JOBS:-2}

# The posix-thread-model compiler, as for the rest of irsnap.exe (OpenSSL itself uses Win32
# threads either way); binutils by the same prefix.
prefix=x86_64-w64-mingw32-
cc=${prefix}gcc-posix
# Only what age needs, plus AES: X25519 (ecx), ChaCha20-Poly1305, HKDF, HMAC, SHA-2, AES stay.
# Every protocol (SSL/TLS/DTLS, CMS, OCSP, CMP ...) and legacy algorithm goes: less code in the
# field binary, a faster build. Assembler stays on (ChaCha20's SIMD paths are most of the speed).
#   no-shared no-module no-dso no-engine: one static archive that never loads code at run time
#     (no providers from MODULESDIR, no engines from ENGINESDIR).
#   no-autoload-config: the library never reads openssl.cnf by itself. Without it the first
#     OPENSSL_init_crypto (any EVP fetch) would load OPENSSLDIR/openssl.cnf (for mingw64
#     "C:\Program Files\Common Files\SSL\openssl.cnf") or the file OPENSSL_CONF names: a host's
#     configuration could change the providers, properties and defaults irsnap seals with. A
#     field tool obeys no host configuration; irsnap never calls OPENSSL_init_crypto with
#     OPENSSL_INIT_LOAD_CONFIG or OPENSSL_config itself.
#   no-sock: no BIO sockets (no ws2_32); no-ui-console: no password prompts on the console.
#   stdio stays: without it OpenSSL drops its FILE*-based BIOs, which the config loader would
#     need anyway, so it adds nothing against openssl.cnf and is a less tested configuration.
options=(no-shared no-tests no-engine no-module no-dso no-legacy no-deprecated no-ssl no-tls
         no-dtls no-sock no-ui-console no-des no-dsa no-dh no-ec2m no-idea no-rc2 no-rc4 no-rc5
         no-md4 no-mdc2 no-whirlpool no-seed no-camellia no-aria no-sm2 no-sm3 no-sm4 no-cms
         no-ts no-ocsp no-srp no-ct no-cmp no-comp no-bf no-cast no-blake2 no-siphash no-siv
         no-scrypt no-rmd160 no-ocb no-gost no-async no-autoload-config)

# The version apt installs as libssl-dev (the Linux builds link that libcrypto).
candidate=$(apt-cache policy libssl-dev | sed -n 's/^ *Candidate: //p')
if [[ -z $candidate || $candidate == "(none)" ]]; then
  echo "build-openssl.sh: apt knows no libssl-dev version (run apt-get update)" >&2
  exit 1
fi

download=$out/download
# download/source: "CANDIDATE VERSION", the libssl-dev candidate the download was made for and
# the source version it holds (they differ when the candidate's source could not be fetched).
version=
if [[ -f $download/source ]]; then
  read -r for_candidate held <"$download/source" || true
  [[ $for_candidate != "$candidate" || ! -f $download/openssl_${held#*:}.dsc ]] || version=$held
fi
if [[ -z $version ]]; then
  scripts/install-deps.sh --source "openssl=$candidate"
  # The candidate first, then the other source versions apt knows, highest first. Measured: this
  # mirror answered 404 for the .dsc of bookworm-security's 3.0.22-1~deb12u2 while bookworm's
  # 3.0.20-1~deb12u2 downloaded; the source of a stable point release is the same library.
  versions=("$candidate")
  while read -r v; do
    [[ -n $v && $v != "$candidate" ]] || continue
    # Insertion by dpkg's ordering (~ sorts before everything): after the fallbacks ranked at
    # or above v.
    i=1
    while ((i < ${#versions[@]})) && dpkg --compare-versions "${versions[i]}" ge "$v"; do
      i=$((i + 1))
    done
    versions=("${versions[@]:0:i}" "$v" "${versions[@]:i}")
  done < <(apt-cache showsrc openssl | sed -n 's/^Version: //p' | sort -u)
  rm -rf "$download"
  for v in "${versions[@]}"; do
    rm -rf "$download.part"
    mkdir -p "$download.part"
    # apt drops to the _apt user for downloads when it can write there.
    [[ $(id -u) -ne 0 ]] || ! id _apt >/dev/null 2>&1 || chown _apt "$download.part"
    if (cd "$download.part" && apt-get source --download-only -qq "openssl=$v" \
        >"$out/download.log" 2>&1); then
      version=$v
      break
    fi
    echo "build-openssl.sh: openssl=$v: the source download failed ($(grep -m1 -E 'Err|E:' \
      "$out/download.log" || tail -n1 "$out/download.log"))" >&2
  done
  if [[ -z $version ]]; then
    rm -rf "$download.part"
    echo "build-openssl.sh: no openssl source version could be downloaded" \
      "(tried ${versions[*]})" >&2
    exit 1
  fi
  echo "$candidate $version" >"$download.part/source"
  mv "$download.part" "$download"
fi
if [[ $version == "$candidate" ]]; then
  echo "build-openssl.sh: OpenSSL source $version (the libssl-dev candidate)"
else
  echo "build-openssl.sh: OpenSSL source $version (the libssl-dev candidate $candidate's" \
    "source could not be downloaded)"
fi
((fetch_only)) && exit 0

cc_version=$("$cc" -dumpfullversion)
stamp="openssl $version; $target; $cc $cc_version; ${options[*]}"
lib=$out/lib/libcrypto.a
if [[ -f $lib && -f $out/include/openssl/opensslv.h && -f $out/stamp &&
      "$(cat "$out/stamp")" == "$stamp" ]]; then
  echo "build-openssl.sh: libcrypto ($target) cached ($lib)"
  exit 0
fi

started=$(date +%s)
rm -rf "${out:?}/src" "${out:?}/build" "${out:?}/include" "${out:?}/lib" "${out:?}/stamp"
# dpkg-source checks the files against the .dsc and applies Debian's patches (the security
# fixes of the point release). apt checked the .dsc against its signed index.
dpkg-source --no-copy -x "$download/openssl_${version#*:}.dsc" "$out/src" \
  >"$out/unpack.log" 2>&1 || {
  cat "$out/unpack.log" >&2
  exit 1
}
echo "build-openssl.sh: building libcrypto $version ($target) with $cc"
mkdir -p "$out/build"
# Out of tree: the generated headers (opensslv.h, configuration.h ...) land in build/include.
# CC is appended to the cross prefix (x86_64-w64-mingw32-gcc-posix); ar, ranlib and windres
# take the prefix alone.
(cd "$out/build" && nice -n 5 perl "$out/src/Configure" mingw64 --cross-compile-prefix="$prefix" \
  CC=gcc-posix "${options[@]}") >"$out/configure.log" 2>&1 || {
  tail -n 30 "$out/configure.log" >&2
  echo "build-openssl.sh: configure failed (log: $out/configure.log)" >&2
  exit 1
}
configured=$(date +%s)
nice -n 5 make -C "$out/build" -j "$jobs" build_generated libcrypto.a >"$out/build.log" 2>&1 || {
  grep -E 'error|Error' "$out/build.log" | head -n 30 >&2
  echo "build-openssl.sh: build failed (log: $out/build.log)" >&2
  exit 1
}
mkdir -p "$out/include/openssl" "$out/lib"
cp "$out/src/include/openssl/"*.h "$out/include/openssl/"
cp "$out/build/include/openssl/"*.h "$out/include/openssl/"
cp "$out/build/libcrypto.a" "$lib"
echo "$stamp" >"$out/stamp"
now=$(date +%s)
echo "build-openssl.sh: built $lib ($target, $((now - started)) s: configure" \
  "$((configured - started)) s, compile $((now - configured)) s)"
