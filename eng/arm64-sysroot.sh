#!/usr/bin/env bash
# A private Debian arm64 runtime root for running the linux-arm64 appliance under qemu-aarch64 on an x64 machine,
# without touching the machine's own setup (no `dpkg --add-architecture`, no installed package changes):
#   - a private apt state (APT::Architecture=arm64, the machine's own sources, its own lists and cache) in
#     $APPLIANCE_CACHE/apt-arm64;
#   - the closure of the arm64 runtime packages the binary and its natives need (RUNTIME_ROOTS below and their
#     library dependencies, as `apt-get -s install` resolves them on an empty arm64 system), fetched with `apt-get download`;
#   - each .deb unpacked with `dpkg-deb -x` into $APPLIANCE_CACHE/sysroot-arm64 (no maintainer scripts run).
# The sysroot has Debian's own libc6:arm64, so `qemu-aarch64-static -L <sysroot>` needs nothing else
# (eng/run-arm64.sh runs a binary that way). Architecture-independent data the sysroot lacks falls through to the
# host's copy (qemu's -L prefix is tried first, then the real path): /usr/share/pocketsphinx from the host's
# pocketsphinx-en-us, for example. espeak-ng-data is per-architecture in Debian 12 (/usr/lib/<triplet>/espeak-ng-data)
# and comes with the closure.
#
# usage: eng/arm64-sysroot.sh [--print] [--force]
#   prints the sysroot's path on stdout; cached: a second run with the same package list does nothing.
#   --print  only print the path of an existing sysroot (exit 1 when there is none)
#   --force  fetch the package lists again and rebuild the sysroot
# Needs: apt-get, dpkg-deb (any Debian/Ubuntu), network access to the Debian mirrors the machine uses.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${APPLIANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/voice-appliance}"
SYSROOT="$CACHE/sysroot-arm64"
APTDIR="$CACHE/apt-arm64"
FORCE=0; PRINT=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --print) PRINT=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "arm64-sysroot: unknown argument '$arg' (see --help)" >&2; exit 64 ;;
  esac
done
log() { printf '[arm64-sysroot] %s\n' "$*" >&2; }
die() { printf '[arm64-sysroot] error: %s\n' "$*" >&2; exit 1; }

# What the arm64 binary loads at run time (see README "Runtime packages on the Pi"; verified with readelf -d on the
# binary and the natives, and the LibraryImport names in src/): the C/C++ runtime the binary and the package natives
# (libonnxruntime.so, Whisper.net's libwhisper/libggml*) are linked against, OpenMP for whisper.cpp's CPU backend,
# and the libraries the appliance dlopens: ALSA, libgpiod 1.6 (System.Device.Gpio's LibGpiodDriver: button and LEDs), espeak-ng (+ its data), pocketsphinx/sphinxbase, OpenSSL 3
# (the .NET crypto code, for HTTPS in `appliance models fetch`).
RUNTIME_ROOTS="libc6 libgcc-s1 libstdc++6 libgomp1 libasound2 libgpiod2 libespeak-ng1 espeak-ng-data libpocketsphinx3 libsphinxbase3 libssl3"
# Packages of the closure not needed to run a program (tools, maintainer-script helpers, documentation-only).
SKIP_RE='^(debconf|debconf-2\.0|perl-base|dpkg|tar|coreutils|base-files|init-system-helpers|adduser|passwd|login|sysvinit-utils|lsb-base|libc-bin|gcc-[0-9]+-base|libpam-.*|libpam0g|libaudit.*|libsemanage.*|libselinux1|libcap-ng0|libcrypt1|libdb5\.3|debianutils)$'

key() { { cat "$0"; echo "$RUNTIME_ROOTS"; } | sha256sum | cut -c1-16; }

if [ "$PRINT" = 1 ]; then
  [ -f "$SYSROOT/.complete" ] && { echo "$SYSROOT"; exit 0; }
  die "no sysroot at $SYSROOT (run eng/arm64-sysroot.sh)"
fi
if [ "$FORCE" = 0 ] && [ -f "$SYSROOT/.complete" ] && [ "$(head -1 "$SYSROOT/.complete")" = "$(key)" ]; then
  echo "$SYSROOT"; exit 0
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || die "apt-get and dpkg-deb are needed (a Debian or Ubuntu machine)"
t0=$SECONDS
mkdir -p "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/etc/sources.list.d" \
         "$APTDIR/etc/preferences.d" "$APTDIR/debs"
: > "$APTDIR/state/status"        # nothing is "installed" for this private arm64 view
# The machine's own Debian sources (sources.list and *.list / *.sources), so mirrors and proxies stay as configured.
rm -f "$APTDIR"/etc/sources.list.d/*
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$APTDIR/etc/sources.list" || : > "$APTDIR/etc/sources.list"
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && cp "$f" "$APTDIR/etc/sources.list.d/"
done
APT_OPTS=(
  -o APT::Architecture=arm64 -o APT::Architectures::=arm64
  -o Dir::State="$APTDIR/state" -o Dir::State::status="$APTDIR/state/status"
  -o Dir::Cache="$APTDIR/cache" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
  -o Dir::Etc::sourcelist="$APTDIR/etc/sources.list" -o Dir::Etc::sourceparts="$APTDIR/etc/sources.list.d"
  -o Dir::Etc::preferencesparts="$APTDIR/etc/preferences.d"
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o Acquire::Languages=none
)

log "fetching the arm64 package lists (private apt state in $APTDIR)"
apt-get "${APT_OPTS[@]}" -qq update >"$APTDIR/update.log" 2>&1 || { tail -20 "$APTDIR/update.log" >&2; die "apt-get update (arm64, private) failed"; }

# The packages apt itself would install for the roots on an empty arm64 system (Depends/Pre-Depends, first
# alternatives, no Recommends), as a simulation against the private state.
# shellcheck disable=SC2086
mapfile -t PKGS < <(apt-get "${APT_OPTS[@]}" -s install --no-install-recommends $RUNTIME_ROOTS 2>"$APTDIR/resolve.log" \
  | awk '$1 == "Inst" { sub(/:arm64$/, "", $2); print $2 }' | sort -u | grep -vE "$SKIP_RE")
[ ${#PKGS[@]} -ge 10 ] || { cat "$APTDIR/resolve.log" >&2; die "the arm64 dependency closure has only ${#PKGS[@]} packages: ${PKGS[*]}"; }
for r in $RUNTIME_ROOTS; do printf '%s\n' "${PKGS[@]}" | grep -qx "$r" || die "$r:arm64 is not in the Debian sources this machine uses"; done

log "downloading ${#PKGS[@]} arm64 packages: ${PKGS[*]}"
(cd "$APTDIR/debs" && apt-get "${APT_OPTS[@]}" -qq download "${PKGS[@]/%/:arm64}" >"$APTDIR/download.log" 2>&1) \
  || { tail -20 "$APTDIR/download.log" >&2; die "apt-get download failed"; }

log "unpacking into $SYSROOT"
rm -rf "$SYSROOT.tmp"; mkdir -p "$SYSROOT.tmp"
{
  key
  for p in "${PKGS[@]}"; do
    deb=$(ls -t "$APTDIR/debs/${p}_"*_arm64.deb "$APTDIR/debs/${p}_"*_all.deb 2>/dev/null | head -1 || true)
    [ -n "$deb" ] || die "no .deb downloaded for $p"
    dpkg-deb -x "$deb" "$SYSROOT.tmp"
    basename "$deb"
  done
} > "$SYSROOT.tmp/.complete.tmp"
[ -e "$SYSROOT.tmp/lib/ld-linux-aarch64.so.1" ] || [ -e "$SYSROOT.tmp/usr/lib/ld-linux-aarch64.so.1" ] \
  || die "the sysroot has no ld-linux-aarch64.so.1 (libc6:arm64 missing?)"
# What update-alternatives would do for the reference BLAS/LAPACK (libsphinxbase3 needs libblas.so.3/liblapack.so.3).
for alt in "$SYSROOT.tmp"/usr/lib/aarch64-linux-gnu/blas/lib*.so.* "$SYSROOT.tmp"/usr/lib/aarch64-linux-gnu/lapack/lib*.so.*; do
  [ -e "$alt" ] || continue
  link="$SYSROOT.tmp/usr/lib/aarch64-linux-gnu/$(basename "$alt")"
  [ -e "$link" ] || ln -s "$(basename "$(dirname "$alt")")/$(basename "$alt")" "$link"
done
mv "$SYSROOT.tmp/.complete.tmp" "$SYSROOT.tmp/.complete"
rm -rf "$SYSROOT"; mv "$SYSROOT.tmp" "$SYSROOT"
log "sysroot ready in $((SECONDS - t0)) s: $(du -sh "$SYSROOT" | cut -f1), ${#PKGS[@]} packages"
echo "$SYSROOT"
