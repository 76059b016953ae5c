#!/usr/bin/env bash
# Builds the Raspberry Pi (linux-arm64) package: one folder and a tarball with an install script.
#
#   ./publish-arm64.sh [--config config/smart-speaker.json] [--out artifacts/publish] [--no-provision]
#
# Contents of artifacts/publish/appliance-linux-arm64/ (and appliance-<version>-linux-arm64.tar.gz):
#   app/appliance                 NativeAOT linux-arm64 executable (dotnet publish -r linux-arm64 -p:PublishAot=true)
#   app/native/linux-arm64/       cross-built whisper.cpp (libwhisper + libggml*) and ONNX Runtime arm64
#   models/                       the models the chosen config names that exist here (Silero VAD, Piper voice);
#                                 Whisper ggml weights are fetched on the device (`appliance models fetch`)
#   systemd/appliance.service     the unit
#   config/appliance.json         the chosen config; config/examples/ all three examples
#   install.sh                    creates the user, installs files and the unit, lists the Debian runtime packages
#   MANIFEST.txt                  what is inside, with sha256 sums and what is missing
#
# The NativeAOT publish needs the .NET 10 linux-arm64 ILCompiler and runtime packs from NuGet. Where the feeds
# lack them (as on this project's build machines) the step is reported clearly and skipped; everything else is
# still packaged, and MANIFEST.txt says the binary is missing. Exit code: 0 when the package is complete,
# 3 when it was built without the binary, 1 on other errors.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONFIG="$ROOT/config/smart-speaker.json"
OUT="$ROOT/artifacts/publish"
PROVISION=1
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --no-provision) PROVISION=0; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "publish-arm64: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done

log() { printf '[publish-arm64] %s\n' "$*" >&2; }
is_aarch64_elf() { # ELF e_machine (bytes 18-19, little-endian) is 0xB7 for aarch64
  [ "$(od -An -tx1 -j0 -N4 "$1" 2>/dev/null | tr -d ' \n')" = 7f454c46 ] && [ "$(od -An -tx1 -j18 -N2 "$1" | tr -d ' \n')" = b700 ]
}
die() { printf '[publish-arm64] error: %s\n' "$*" >&2; exit 1; }
[ -f "$CONFIG" ] || die "config $CONFIG not found (use one of config/*.json)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
VERSION=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$ROOT/Directory.Build.props" | head -1)
PKG="$OUT/appliance-linux-arm64"
TARBALL="$OUT/appliance-$VERSION-linux-arm64.tar.gz"
DEBIAN_RUNTIME="libasound2 libmosquitto1 libespeak-ng1 espeak-ng-data libpocketsphinx3 pocketsphinx-en-us libspeexdsp1"

if [ "$PROVISION" = 1 ]; then
  log "provisioning the aarch64 native libraries and models (eng/provision.sh --arm64)"
  "$ROOT/eng/provision.sh" --arm64 >&2
fi

rm -rf "$PKG"
mkdir -p "$PKG/app/native/linux-arm64" "$PKG/models" "$PKG/systemd" "$PKG/config/examples"
MISSING=()

# 1. NativeAOT publish ---------------------------------------------------------------------------
AOT_LOG="$OUT/aot-publish.log"
AOT_ARGS=(-c Release -r linux-arm64 -p:PublishAot=true -p:StripSymbols=true -o "$PKG/app")
case "$(uname -m)" in
  aarch64|arm64) ;;
  *) # cross-link from x64 with Debian's aarch64 toolchain
     AOT_ARGS+=(-p:CppCompilerAndLinker=aarch64-linux-gnu-gcc -p:ObjCopyName=aarch64-linux-gnu-objcopy) ;;
esac
log "NativeAOT publish for linux-arm64 (log: $AOT_LOG)"
AOT_OK=0
if command -v dotnet >/dev/null && dotnet publish "$ROOT/src/Appliance/Appliance.csproj" "${AOT_ARGS[@]}" >"$AOT_LOG" 2>&1 \
   && [ -x "$PKG/app/appliance" ] && is_aarch64_elf "$PKG/app/appliance"; then
  AOT_OK=1
  log "NativeAOT binary: $(du -h "$PKG/app/appliance" | cut -f1)"
else
  if grep -qE 'NU1101|NU1102|Unable to find package|ILCompiler|runtime\.linux-arm64' "$AOT_LOG" 2>/dev/null; then
    pkgs=$(grep -oE 'Unable to find package [^ ]+' "$AOT_LOG" | sed -E 's/Unable to find package //; s/\.$//' | sort -u | tr '\n' ' ' | sed 's/ $//')
    log "NativeAOT linux-arm64 publish is NOT possible on this machine: the NuGet feeds lack the linux-arm64 packs (${pkgs:-ILCompiler / runtime packs})."
    log "Run this script on a machine with full NuGet access (or on the Pi itself with the .NET 10 SDK) to get app/appliance."
  elif ! command -v dotnet >/dev/null; then
    log "NativeAOT publish skipped: the .NET 10 SDK is not installed."
  else
    log "NativeAOT publish failed for another reason; the last lines of $AOT_LOG:"
    tail -n 15 "$AOT_LOG" | sed 's/^/    /' >&2
  fi
  rm -f "$PKG/app/appliance"
  MISSING+=("app/appliance: NativeAOT linux-arm64 publish failed here (see aot-publish.log); build it where NuGet has the linux-arm64 ILCompiler pack")
fi
# publish may leave managed build leftovers next to the binary; the package needs only the executable
find "$PKG/app" -maxdepth 1 -type f \( -name '*.pdb' -o -name '*.dbg' -o -name '*.json' \) -delete 2>/dev/null || true

# 2. Native libraries ----------------------------------------------------------------------------
NATIVE="$ROOT/native/linux-arm64"
for lib in libonnxruntime.so.1 libwhisper.so.1 libggml.so.0 libggml-base.so.0 libggml-cpu.so.0; do
  [ -e "$NATIVE/$lib" ] || die "missing $NATIVE/$lib (run eng/provision.sh --arm64)"
done
cp -a "$NATIVE"/libonnxruntime.so.1 "$NATIVE"/libwhisper.so* "$NATIVE"/libggml*.so* "$PKG/app/native/linux-arm64/"
for f in "$PKG"/app/native/linux-arm64/*.so*; do
  [ -L "$f" ] && continue
  is_aarch64_elf "$f" || die "$f is not an aarch64 library"
done

# 3. Models the config names ---------------------------------------------------------------------
json_value() { # first "Key": "value" in the config (the examples keep one per key)
  grep -oE "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" "$CONFIG" | head -1 | sed -E 's/.*:[[:space:]]*"([^"]*)"/\1/' || true
}
VAD=$(json_value Vad); VAD=${VAD:-silero_vad_v5.onnx}
VOICE=$(json_value TtsVoice); VOICE=${VOICE:-piper/en_US-libritts_r-medium}
STT=$(json_value Stt); STT=${STT:-whisper}
WHISPER=$(json_value WhisperModel); WHISPER=${WHISPER:-ggml-base.en.bin}
copy_model() {
  if [ -e "$ROOT/models/$1" ]; then
    mkdir -p "$PKG/models/$(dirname "$1")"
    cp -a "$ROOT/models/$1" "$PKG/models/$1"
  else
    MISSING+=("models/$1: $2")
  fi
}
copy_model "$VAD" "not provisioned here (eng/provision.sh)"
copy_model "$VOICE" "not provisioned here (eng/provision.sh)"
if [ "$STT" = whisper ]; then
  copy_model "$WHISPER" "Whisper weights are not obtainable on the build machines; run 'appliance models fetch' on the device"
fi

# 4. Unit, configs, install script -----------------------------------------------------------------
cp "$ROOT/systemd/appliance.service" "$PKG/systemd/"
cp "$CONFIG" "$PKG/config/appliance.json"
cp "$ROOT"/config/*.json "$PKG/config/examples/"
cat > "$PKG/install.sh" <<INSTALL
#!/bin/sh
# Installs the voice appliance on Raspberry Pi OS / Debian (arm64). Run as root from the unpacked folder:
#   sudo ./install.sh            install packages, user, files and the unit
#   sudo ./install.sh --no-apt   skip apt-get (install the packages below yourself)
#   ./install.sh --root DIR      stage into DIR (image builders; no apt, no user, no systemctl)
# Debian runtime packages: $DEBIAN_RUNTIME
set -eu
HERE=\$(cd "\$(dirname "\$0")" && pwd)
ROOT=""; APT=1
while [ \$# -gt 0 ]; do
  case "\$1" in
    --no-apt) APT=0; shift ;;
    --root) ROOT="\$2"; APT=0; shift 2 ;;
    *) echo "install.sh: unknown argument '\$1' (use --no-apt or --root DIR)" >&2; exit 64 ;;
  esac
done
if [ -z "\$ROOT" ] && [ "\$(id -u)" != 0 ]; then echo "install.sh: run as root (sudo ./install.sh)" >&2; exit 77; fi
if [ -z "\$ROOT" ] && [ "\$(uname -m)" != aarch64 ]; then echo "install.sh: this package is for arm64 (aarch64); this machine is \$(uname -m)" >&2; exit 69; fi
if [ ! -x "\$HERE/app/appliance" ]; then echo "install.sh: app/appliance is missing from this package (see MANIFEST.txt)" >&2; exit 69; fi

if [ "\$APT" = 1 ]; then
  apt-get update
  apt-get install -y --no-install-recommends $DEBIAN_RUNTIME
fi

if [ -z "\$ROOT" ]; then
  for g in gpio spi audio; do getent group "\$g" >/dev/null || groupadd --system "\$g"; done
  getent group appliance >/dev/null || groupadd --system appliance
  id appliance >/dev/null 2>&1 || useradd --system --gid appliance --groups audio,gpio,spi \\
      --home-dir /var/lib/appliance --no-create-home --shell /usr/sbin/nologin appliance
  usermod -a -G audio,gpio,spi appliance
fi

install -d "\$ROOT/opt/appliance" "\$ROOT/etc/appliance" "\$ROOT/var/lib/appliance/models" "\$ROOT/etc/systemd/system" "\$ROOT/usr/share/appliance/config"
rm -rf "\$ROOT/opt/appliance/native"
cp -a "\$HERE/app/." "\$ROOT/opt/appliance/"
cp -a "\$HERE/models/." "\$ROOT/var/lib/appliance/models/"
cp "\$HERE"/config/examples/*.json "\$ROOT/usr/share/appliance/config/"
if [ -e "\$ROOT/etc/appliance/appliance.json" ]; then
  echo "install.sh: keeping the existing /etc/appliance/appliance.json (new default: /usr/share/appliance/config/)"
else
  install -m 0640 "\$HERE/config/appliance.json" "\$ROOT/etc/appliance/appliance.json"
fi
install -m 0644 "\$HERE/systemd/appliance.service" "\$ROOT/etc/systemd/system/appliance.service"

if [ -z "\$ROOT" ]; then
  chown -R root:appliance /etc/appliance
  chown -R appliance:appliance /var/lib/appliance
  systemctl daemon-reload
  /opt/appliance/appliance config check --config /etc/appliance/appliance.json || true
  echo "Installed. Start it with:  sudo systemctl enable --now appliance"
  echo "Logs:                      journalctl -u appliance -f"
fi
INSTALL
chmod +x "$PKG/install.sh"

# 5. Manifest and tarball ------------------------------------------------------------------------
{
  echo "voice appliance $VERSION for linux-arm64, built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m)"
  echo "config: $(basename "$CONFIG")"
  echo "Debian runtime packages: $DEBIAN_RUNTIME"
  echo
  echo "sha256:"
  (cd "$PKG" && find . -type f ! -name MANIFEST.txt -print0 | sort -z | xargs -0 sha256sum | sed 's/^/  /')
  echo
  if [ ${#MISSING[@]} -eq 0 ]; then echo "missing: nothing"; else echo "missing:"; printf '  %s\n' "${MISSING[@]}"; fi
} > "$PKG/MANIFEST.txt"
[ -f "$AOT_LOG" ] && cp "$AOT_LOG" "$PKG/aot-publish.log"

tar -C "$OUT" -czf "$TARBALL" "$(basename "$PKG")"
log "package: $PKG ($(du -sh "$PKG" | cut -f1))"
log "tarball: $TARBALL ($(du -h "$TARBALL" | cut -f1))"
if [ ${#MISSING[@]} -gt 0 ]; then
  log "incomplete package; missing:"
  printf '[publish-arm64]   %s\n' "${MISSING[@]}" >&2
fi
[ "$AOT_OK" = 1 ] || exit 3
