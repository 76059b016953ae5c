#!/usr/bin/env bash
# Checks that the aarch64 native libraries in native/linux-arm64/ (cross-built whisper.cpp, ONNX Runtime
# arm64) load and work on arm64, here under qemu-aarch64 user emulation:
#   - cross-compiles a tiny C probe with aarch64-linux-gnu-gcc;
#   - the probe dlopens libwhisper.so.1 (prints whisper_version) and libonnxruntime.so.1 (prints
#     OrtGetApiBase()->GetVersionString(), creates an OrtEnv and a session on models/silero_vad_v5.onnx);
#   - runs it with qemu-aarch64-static -L /usr/aarch64-linux-gnu. ONNX Runtime reads /proc/cpuinfo to pick
#     kernels and crashes on an x86 one, so the probe runs in a private mount namespace (unshare -m) with an
#     ARM cpuinfo bind-mounted over /proc/cpuinfo (needs root; on an arm64 host it runs natively).
# Exits 0 only when every check passes. usage: eng/arm64-check.sh   (./build.sh arm64-check provisions first)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NATIVE="$ROOT/native/linux-arm64"
MODEL="$ROOT/models/silero_vad_v5.onnx"
SYSROOT=/usr/aarch64-linux-gnu
log() { printf '[arm64-check] %s\n' "$*" >&2; }
fail() { printf '[arm64-check] FAILED: %s\n' "$*" >&2; exit 1; }

for f in "$NATIVE/libwhisper.so.1" "$NATIVE/libonnxruntime.so.1" "$MODEL"; do
  [ -f "$f" ] || fail "missing $f (run: eng/provision.sh --arm64)"
done

NATIVE_HOST=0
case "$(uname -m)" in aarch64|arm64) NATIVE_HOST=1 ;; esac
CC=aarch64-linux-gnu-gcc
[ "$NATIVE_HOST" = 1 ] && CC=cc
command -v "$CC" >/dev/null || fail "$CC not found (Debian: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
if [ "$NATIVE_HOST" = 0 ]; then
  command -v qemu-aarch64-static >/dev/null || fail "qemu-aarch64-static not found (Debian: apt-get install qemu-user-static)"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cat > "$WORK/probe.c" <<'C'
/* Loads the aarch64 libraries by path and exercises one real call in each. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct OrtApiBase { const void *(*GetApi)(unsigned int version); const char *(*GetVersionString)(void); } OrtApiBase;
typedef void *OrtStatusPtr;
/* onnxruntime_c_api.h slots: 2 GetErrorMessage, 3 CreateEnv, 7 CreateSession, 10 CreateSessionOptions. */
typedef const char *(*GetErrorMessageFn)(OrtStatusPtr);
typedef OrtStatusPtr (*CreateEnvFn)(int level, const char *logid, void **env);
typedef OrtStatusPtr (*CreateSessionFn)(void *env, const char *path, const void *options, void **session);
typedef OrtStatusPtr (*CreateSessionOptionsFn)(void **options);

static int check(void *const *api, OrtStatusPtr st, const char *what) {
  if (st == NULL) return 1;
  fprintf(stderr, "onnxruntime %s failed: %s\n", what, ((GetErrorMessageFn)api[2])(st));
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: probe LIBWHISPER LIBONNXRUNTIME MODEL\n"); return 2; }
  void *w = dlopen(argv[1], RTLD_NOW);
  if (!w) { fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror()); return 1; }
  const char *(*whisper_version)(void) = (const char *(*)(void))dlsym(w, "whisper_version");
  if (!whisper_version) { fprintf(stderr, "whisper_version missing: %s\n", dlerror()); return 1; }
  printf("whisper.cpp %s\n", whisper_version());

  void *o = dlopen(argv[2], RTLD_NOW);
  if (!o) { fprintf(stderr, "dlopen %s: %s\n", argv[2], dlerror()); return 1; }
  const OrtApiBase *(*get_base)(void) = (const OrtApiBase *(*)(void))dlsym(o, "OrtGetApiBase");
  if (!get_base) { fprintf(stderr, "OrtGetApiBase missing: %s\n", dlerror()); return 1; }
  const OrtApiBase *base = get_base();
  printf("onnxruntime %s\n", base->GetVersionString());
  void *const *api = (void *const *)base->GetApi(1);
  if (!api) { fprintf(stderr, "OrtApiBase::GetApi(1) returned NULL\n"); return 1; }
  void *env = NULL, *options = NULL, *session = NULL;
  if (!check(api, ((CreateEnvFn)api[3])(3 /* ORT_LOGGING_LEVEL_ERROR */, "arm64-check", &env), "CreateEnv")) return 1;
  if (!check(api, ((CreateSessionOptionsFn)api[10])(&options), "CreateSessionOptions")) return 1;
  if (!check(api, ((CreateSessionFn)api[7])(env, argv[3], options, &session), "CreateSession")) return 1;
  printf("onnxruntime session on %s: ok\n", argv[3]);
  return 0;
}
C

log "cross-compiling the probe with $CC"
"$CC" -O1 -o "$WORK/probe" "$WORK/probe.c" -ldl || fail "could not compile the probe"

# An ARM /proc/cpuinfo (Cortex-A76, as on a Pi 5) with one entry per host CPU.
{
  for ((i = 0; i < $(nproc); i++)); do
    printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid asimdrdm lrcpc dcpop asimddp\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x4\nCPU part\t: 0xd0b\nCPU revision\t: 1\n\n' "$i"
  done
} > "$WORK/cpuinfo"

export LD_LIBRARY_PATH="$NATIVE"
start=$(date +%s.%N)
if [ "$NATIVE_HOST" = 1 ]; then
  out=$("$WORK/probe" "$NATIVE/libwhisper.so.1" "$NATIVE/libonnxruntime.so.1" "$MODEL" 2>&1) || fail "probe failed: $out"
else
  [ "$(id -u)" = 0 ] || fail "needs root for unshare -m and the bind-mounted ARM /proc/cpuinfo (run as root or on a Pi)"
  out=$(timeout 120 unshare -m --propagation private sh -c '
    mount --bind "$1/cpuinfo" /proc/cpuinfo || exit 3
    exec qemu-aarch64-static -L '"$SYSROOT"' "$1/probe" "$2/libwhisper.so.1" "$2/libonnxruntime.so.1" "$3"
  ' sh "$WORK" "$NATIVE" "$MODEL" 2>&1) || fail "probe under qemu-aarch64 failed: $out"
fi
end=$(date +%s.%N)
printf '%s\n' "$out" | sed 's/^/[arm64-check]   /' >&2
printf '%s\n' "$out" | grep -q '^whisper.cpp ' || fail "no whisper_version in the output"
printf '%s\n' "$out" | grep -q 'session on .*: ok' || fail "no ONNX Runtime session in the output"
log "passed in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s ($([ "$NATIVE_HOST" = 1 ] && echo native || echo qemu-aarch64))"
