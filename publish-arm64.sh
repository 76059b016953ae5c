#!/usr/bin/env bash
# Builds the Raspberry Pi (linux-arm64) package: one folder and a tarball with an install script.
#
#   ./publish-arm64.sh [--config config/smart-speaker.json] [--out artifacts/publish] [--no-provision]
#
# Contents of artifacts/publish/appliance-linux-arm64/ (and appliance-<version>-linux-arm64.tar.gz):
#   app/appliance                   NativeAOT linux-arm64 executable (dotnet publish -r linux-arm64; symbols stripped)
#   app/libonnxruntime.so           ONNX Runtime from the Microsoft.ML.OnnxRuntime package (+ providers_shared)
#   app/runtimes/linux-arm64/       whisper.cpp from the Whisper.net.Runtime package (libwhisper.so, libggml*-whisper.so)
#   models/                         the models the chosen config names (Silero VAD, Piper voice) and manifest.json;
#                                   Whisper ggml weights are not obtainable here: install.sh fetches them on the
#                                   device (`appliance models fetch NAME`, sha256-checked against the manifest)
#   systemd/appliance.service       the unit
#   config/appliance.json           the chosen config; config/examples/ all examples and intents.json
#   install.sh                      packages, user, files, unit (from eng/install.sh.in)
#   MANIFEST.txt                    contents with sha256 sums, sizes, the Debian runtime packages, and what is missing
# Only linux-arm64 natives are in the package (eng/TrimNatives.targets; checked again here).
# The Debian runtime package list is derived from the binary and the natives (eng/runtime-packages.sh: readelf -d
# NEEDED + the dlopen'ed libraries, mapped to Debian arm64 packages) and must equal DEBIAN_RUNTIME below.
#
# Cross-compiling on x64 needs Debian's clang, llvm, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross
# (eng/provision.sh installs them); no sysroot, no CppCompilerAndLinker=gcc. Exit code: 0 when the package is
# complete, 1 otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONFIG="$ROOT/config/smart-speaker.json"
OUT="$ROOT/artifacts/publish"
PROVISION=1
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --out) OUT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --no-provision) PROVISION=0; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "publish-arm64: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done

log() { printf '[publish-arm64] %s\n' "$*" >&2; }
die() { printf '[publish-arm64] error: %s\n' "$*" >&2; exit 1; }
is_aarch64_elf() { # ELF e_machine (bytes 18-19, little-endian) is 0xB7 for aarch64
  [ "$(od -An -tx1 -j0 -N4 "$1" 2>/dev/null | tr -d ' \n')" = 7f454c46 ] && [ "$(od -An -tx1 -j18 -N2 "$1" | tr -d ' \n')" = b700 ]
}
[ -f "$CONFIG" ] || die "config $CONFIG not found (use one of config/*.json)"
command -v dotnet >/dev/null || die "the .NET 10 SDK is missing (https://learn.microsoft.com/dotnet/core/install/linux-debian)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
VERSION=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$ROOT/Directory.Build.props" | head -1)
PKG="$OUT/appliance-linux-arm64"
TARBALL="$OUT/appliance-$VERSION-linux-arm64.tar.gz"
# What the arm64 binary and its natives load on Debian 12 / Raspberry Pi OS bookworm (see README "Runtime packages
# on the Pi"). Checked against eng/runtime-packages.sh below: a change in the natives or the interop fails the build.
DEBIAN_RUNTIME="ca-certificates espeak-ng-data libasound2 libc6 libespeak-ng1 libgcc-s1 libgomp1 libgpiod2 libpocketsphinx3 libsphinxbase3 libssl3 libstdc++6 pocketsphinx-en-us"

if [ "$PROVISION" = 1 ]; then
  log "provisioning the models and the build's Debian packages (eng/provision.sh)"
  "$ROOT/eng/provision.sh" >&2
fi

rm -rf "$PKG"
mkdir -p "$PKG/app" "$PKG/models" "$PKG/systemd" "$PKG/config/examples"
MISSING=()

# 1. NativeAOT publish ---------------------------------------------------------------------------
AOT_LOG="$OUT/aot-publish.log"
AOT_ARGS=(-c Release -r linux-arm64 -o "$PKG/app" -nologo)
if ! command -v clang >/dev/null; then  # a machine with only a versioned clang (e.g. clang-14)
  for v in 19 18 17 16 15 14; do command -v "clang-$v" >/dev/null && { AOT_ARGS+=(-p:CppCompilerAndLinker="clang-$v"); break; }; done
fi
log "NativeAOT publish for linux-arm64 (log: $AOT_LOG)"
t0=$SECONDS
if ! dotnet publish "$ROOT/src/Appliance/Appliance.csproj" "${AOT_ARGS[@]}" >"$AOT_LOG" 2>&1; then
  tail -n 20 "$AOT_LOG" | sed 's/^/    /' >&2
  die "dotnet publish -r linux-arm64 failed (log: $AOT_LOG)"
fi
[ -x "$PKG/app/appliance" ] && is_aarch64_elf "$PKG/app/appliance" || die "the publish produced no aarch64 app/appliance"
log "NativeAOT publish took $((SECONDS - t0)) s; binary $(du -h "$PKG/app/appliance" | cut -f1) ($(stat -c %s "$PKG/app/appliance") bytes)"
WARNINGS=$(grep -oE 'warning [A-Z]+[0-9]+:[^[]*' "$AOT_LOG" | sort -u || true)
[ -z "$WARNINGS" ] || { log "AOT warnings:"; printf '%s\n' "$WARNINGS" | sed 's/^/    /' >&2; }
# The package needs the executable and its natives only: no separate symbols, no managed leftovers.
find "$PKG/app" -maxdepth 1 -type f \( -name '*.pdb' -o -name '*.dbg' -o -name '*.json' -o -name '*.xml' \) -delete

# 2. Natives: linux-arm64 only, all aarch64 -------------------------------------------------------
[ -f "$PKG/app/libonnxruntime.so" ] || MISSING+=("app/libonnxruntime.so: not in the publish output (Microsoft.ML.OnnxRuntime's linux-arm64 native)")
compgen -G "$PKG/app/runtimes/linux-arm64/libwhisper.so*" >/dev/null || MISSING+=("app/runtimes/linux-arm64/libwhisper.so: not in the publish output (Whisper.net.Runtime's linux-arm64 natives)")
FOREIGN=$(cd "$PKG/app" && find . -type f \( -path './runtimes/*' ! -path './runtimes/linux-arm64/*' -o -name '*.dll' -o -name '*.dylib' -o -name '*.metal' \) | sort)
[ -z "$FOREIGN" ] || die "natives of other platforms in the publish output (eng/TrimNatives.targets): $FOREIGN"
while IFS= read -r -d '' f; do
  is_aarch64_elf "$f" || die "$f is not an aarch64 library"
done < <(find "$PKG/app" -type f -name '*.so*' -print0)

# 3. Models the config names ---------------------------------------------------------------------
json_value() { # first "Key": "value" in the config (the examples keep one per key)
  grep -oE "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" "$CONFIG" | head -1 | sed -E 's/.*:[[:space:]]*"([^"]*)"/\1/' || true
}
manifest_name() { # models/manifest.json: the "name" of the entry whose "file" is $1
  awk -v f="$1" -F'"' '/"name"[[:space:]]*:/ { name = $4 } /"file"[[:space:]]*:/ && $4 == f { print name; exit }' "$ROOT/models/manifest.json"
}
VAD=$(json_value Vad); VAD=${VAD:-silero_vad_v5.onnx}
VOICE=$(json_value TtsVoice)
STT=$(json_value Stt); STT=${STT:-whisper}
WHISPER=$(json_value WhisperModel); WHISPER=${WHISPER:-ggml-base.en.bin}
copy_model() {
  if [ -e "$ROOT/models/$1" ]; then
    mkdir -p "$PKG/models/$(dirname "$1")"
    cp -aL "$ROOT/models/$1" "$PKG/models/$1"
  else
    MISSING+=("models/$1: not provisioned here (eng/provision.sh)")
  fi
}
cp "$ROOT/models/manifest.json" "$PKG/models/manifest.json"
copy_model "$VAD"
[ -z "$VOICE" ] || copy_model "$VOICE"
FETCH_MODELS=""
if [ "$STT" = whisper ]; then
  if [ -e "$ROOT/models/$WHISPER" ]; then
    copy_model "$WHISPER"
  else
    FETCH_MODELS=$(manifest_name "$WHISPER")
    [ -n "$FETCH_MODELS" ] || MISSING+=("models/$WHISPER: not provisioned here and not in models/manifest.json, so install.sh cannot fetch it")
  fi
fi

# 4. Unit, configs, install script -----------------------------------------------------------------
cp "$ROOT/systemd/appliance.service" "$PKG/systemd/"
cp "$CONFIG" "$PKG/config/appliance.json"
cp "$ROOT"/config/*.json "$PKG/config/examples/"

# 5. Runtime packages: derived from the binary and the natives, compared with DEBIAN_RUNTIME --------------
DERIVED=$("$ROOT/eng/runtime-packages.sh" "$PKG/app") || die "could not derive the runtime packages (eng/runtime-packages.sh)"
if [ "$DERIVED" != "$(tr ' ' '\n' <<<"$DEBIAN_RUNTIME" | sort | tr '\n' ' ' | sed 's/ $//')" ]; then
  die "the Debian runtime packages derived from the binary and natives are '$DERIVED', but DEBIAN_RUNTIME in publish-arm64.sh says '$DEBIAN_RUNTIME': update DEBIAN_RUNTIME, eng/install.sh.in's text and the README"
fi
sed -e "s|@VERSION@|$VERSION|g" -e "s|@DEBIAN_RUNTIME@|$DEBIAN_RUNTIME|g" -e "s|@FETCH_MODELS@|$FETCH_MODELS|g" \
  "$ROOT/eng/install.sh.in" > "$PKG/install.sh"
chmod +x "$PKG/install.sh"

# 6. Manifest and tarball ------------------------------------------------------------------------
BIN_BYTES=$(stat -c %s "$PKG/app/appliance")
{
  echo "voice appliance $VERSION for linux-arm64, built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m)"
  echo "config: $(basename "$CONFIG")"
  echo "binary: app/appliance, NativeAOT, $BIN_BYTES bytes"
  echo "Debian runtime packages: $DEBIAN_RUNTIME"
  echo "runtime libraries (soname -> package):"
  "$ROOT/eng/runtime-packages.sh" --table "$PKG/app" | sed 's/^/  /'
  [ -z "$FETCH_MODELS" ] || echo "fetched on the device by install.sh: $FETCH_MODELS (models/$WHISPER)"
  echo
  echo "sha256:"
  (cd "$PKG" && find . -type f ! -name MANIFEST.txt -print0 | sort -z | xargs -0 sha256sum | sed 's/^/  /')
  echo
  if [ ${#MISSING[@]} -eq 0 ]; then echo "missing: nothing"; else echo "missing:"; printf '  %s\n' "${MISSING[@]}"; fi
} > "$PKG/MANIFEST.txt"

tar -C "$OUT" -czf "$TARBALL" "$(basename "$PKG")"
log "binary:  $PKG/app/appliance ($(du -h "$PKG/app/appliance" | cut -f1), $BIN_BYTES bytes; goal <= 25 MB)"
log "natives: $(cd "$PKG/app" && find . -name '*.so*' -type f | sed 's|^\./||' | sort | tr '\n' ' ')"
log "package: $PKG ($(du -sh "$PKG" | cut -f1))"
log "tarball: $TARBALL ($(du -h "$TARBALL" | cut -f1))"
log "Debian runtime packages: $DEBIAN_RUNTIME"
if [ ${#MISSING[@]} -gt 0 ]; then
  log "INCOMPLETE package; missing:"
  printf '[publish-arm64]   %s\n' "${MISSING[@]}" >&2
  exit 1
fi
log "complete: nothing missing"
