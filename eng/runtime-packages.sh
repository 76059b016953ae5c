#!/usr/bin/env bash
# Which Debian (arm64) packages does a published appliance folder need at run time? Derived, not remembered:
#   1. the NEEDED entries (readelf -d) of the binary and of every .so in the folder, minus the libraries the folder
#      itself provides (by SONAME or file name: libonnxruntime.so, Whisper.net's libwhisper/libggml*);
#   2. the libraries the binary loads with dlopen: the "lib*.so.N" names of the [LibraryImport] libraries in src/
#      (Interop.Libraries: libasound.so.2, libespeak-ng.so.1, libpocketsphinx.so.3, libsphinxbase.so.3,
#      ...) and the OpenSSL the .NET crypto shim in the binary dlopens (libssl.so.3, for
#      `appliance models fetch` over HTTPS), again minus what the folder provides;
#   3. each soname mapped to the arm64 package that ships it, from the .debs eng/arm64-sysroot.sh downloaded
#      (dpkg-deb -c), plus the data packages those libraries read (DATA_PACKAGES below).
# Prints "soname package" lines (--table) or the sorted package list (default).
#
# usage: eng/runtime-packages.sh [--table] APP_FOLDER
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${APPLIANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/voice-appliance}"
TABLE=0
[ "${1:-}" = --table ] && { TABLE=1; shift; }
APP="${1:?usage: eng/runtime-packages.sh [--table] APP_FOLDER}"
# Data the libraries read at run time, per library package: espeak-ng's phoneme data (Piper's phonemizer), the US
# English acoustic model and dictionary of the grammar recogniser, and the CA certificates OpenSSL checks HTTPS with.
DATA_PACKAGES="libespeak-ng1:espeak-ng-data libpocketsphinx3:pocketsphinx-en-us libssl3:ca-certificates"

SYSROOT=$("$ROOT/eng/arm64-sysroot.sh")
DEBS="$CACHE/apt-arm64/debs"

mapfile -t FILES < <(find "$APP" -type f \( -name appliance -o -name '*.so' -o -name '*.so.*' \) ! -name '*.dbg' | sort)
[ ${#FILES[@]} -gt 0 ] || { echo "runtime-packages: no binary or libraries in $APP" >&2; exit 1; }

provided=()
for f in "${FILES[@]}"; do
  provided+=("$(basename "$f")")
  soname=$(readelf -d "$f" 2>/dev/null | sed -nE 's/.*\(SONAME\).*\[(.*)\]/\1/p')
  [ -n "$soname" ] && provided+=("$soname")
done
is_provided() { local x; for x in "${provided[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }

needed=()
for f in "${FILES[@]}"; do
  while read -r lib; do needed+=("$lib"); done < <(readelf -d "$f" 2>/dev/null | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p')
done
# dlopen'ed by the appliance's own interop
while read -r lib; do needed+=("$lib"); done < <(grep -rhoE '"lib[a-z0-9_+-]+\.so\.[0-9]+"' "$ROOT/src" --include='*.cs' | tr -d '"')
# dlopen'ed by the .NET crypto shim inside the binary (OpenSSL 3 on Debian 12)
if strings -n 8 "$APP/appliance" | grep -cx "libssl.so.3" >/dev/null; then needed+=(libssl.so.3); fi

declare -A PKG_OF=()
while read -r deb; do
  [ -f "$DEBS/$deb" ] || continue
  pkg=$(dpkg-deb -f "$DEBS/$deb" Package)
  while read -r path; do PKG_OF[$(basename "$path")]=$pkg; done < <(dpkg-deb -c "$DEBS/$deb" | awk '{ print $6 }' | grep -E '/[^/]+\.so(\.[0-9]+)*$')
done < <(tail -n +2 "$SYSROOT/.complete")

declare -A PKGS=()
rc=0
for lib in $(printf '%s\n' "${needed[@]}" | sort -u); do
  is_provided "$lib" && continue
  pkg="${PKG_OF[$lib]:-}"
  if [ -z "$pkg" ]; then echo "runtime-packages: no Debian arm64 package in the sysroot ships $lib" >&2; rc=1; continue; fi
  PKGS[$pkg]=1
  [ "$TABLE" = 1 ] && echo "$lib $pkg"
done
for pair in $DATA_PACKAGES; do
  [ -n "${PKGS[${pair%%:*}]:-}" ] || continue
  PKGS[${pair#*:}]=1
  [ "$TABLE" = 1 ] && echo "(data for ${pair%%:*}) ${pair#*:}"
done
[ "$TABLE" = 1 ] || printf '%s\n' "${!PKGS[@]}" | sort | tr '\n' ' ' | sed 's/ $/\n/'
exit $rc
