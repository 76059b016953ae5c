#!/usr/bin/env bash
# Runs a linux-arm64 program (the NativeAOT appliance) on this machine:
#   - on an arm64 machine: directly;
#   - on x64: under qemu-aarch64-static with the private Debian arm64 sysroot of eng/arm64-sysroot.sh as the
#     library prefix (-L), so libc, libstdc++, libgomp, ALSA, espeak-ng and pocketsphinx are Debian's
#     arm64 builds and the machine's own setup is untouched. The emulated CPU is a Cortex-A72 (Raspberry Pi 4, the
#     oldest 64-bit Pi; QEMU_CPU overrides, e.g. cortex-a76 for a Pi 5): code that needs more than ARMv8.0 fails here
#     as it would on the device, and ONNX Runtime does not pick the SVE/SME kernels qemu's default "max" CPU
#     advertises, which run about 20 times slower under emulation. ONNX Runtime also reads /proc/cpuinfo and can crash
#     on an x86 one, so when run as root the program runs in a private mount namespace (unshare -m) with a matching
#     ARM /proc/cpuinfo bind-mounted over it; without root it runs without that.
#
# usage: eng/run-arm64.sh PROGRAM [ARGS...]     (stdin, stdout, stderr and the exit code are the program's)
# Environment: APPLIANCE_CACHE (sysroot location, see eng/arm64-sysroot.sh), ARM64_RUN_TIMEOUT (seconds, default 900),
# QEMU_CPU (default cortex-a72).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] || { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 64; }
PROGRAM="$1"; shift
case "$(uname -m)" in
  aarch64|arm64) exec "$PROGRAM" "$@" ;;
esac

QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
[ -n "$QEMU" ] || { echo "run-arm64: qemu-aarch64-static not found (Debian: apt-get install qemu-user-static)" >&2; exit 69; }
SYSROOT=$("$HERE/arm64-sysroot.sh" --print 2>/dev/null || "$HERE/arm64-sysroot.sh")
TIMEOUT="${ARM64_RUN_TIMEOUT:-900}"

# The guest sees the host's environment; its library path is the sysroot's multiarch folders (qemu maps the guest's
# /lib and /usr/lib to the sysroot first anyway; this keeps LD_LIBRARY_PATH from a caller from pointing at x64 libs).
export QEMU_LD_PREFIX="$SYSROOT"
export QEMU_CPU="${QEMU_CPU:-cortex-a72}"
export LD_LIBRARY_PATH="/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu"

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
  CPUINFO="${TMPDIR:-/tmp}/appliance-arm64-cpuinfo.$$"
  trap 'rm -f "$CPUINFO"' EXIT
  case "$QEMU_CPU" in  # the /proc/cpuinfo of the emulated core
    cortex-a76) features="fp asimd evtstrm crc32 cpuid asimdrdm lrcpc dcpop asimddp"; variant=0x4; part=0xd0b ;;
    *) features="fp asimd evtstrm crc32 cpuid"; variant=0x0; part=0xd08 ;;   # cortex-a72
  esac
  for ((i = 0; i < $(nproc); i++)); do
    printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: %s\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: %s\nCPU part\t: %s\nCPU revision\t: 3\n\n' "$i" "$features" "$variant" "$part"
  done > "$CPUINFO"
  timeout "$TIMEOUT" unshare -m --propagation private sh -c '
    mount --bind "$1" /proc/cpuinfo || { echo "run-arm64: could not bind-mount an ARM /proc/cpuinfo" >&2; exit 70; }
    shift; exec "$@"' sh "$CPUINFO" "$QEMU" "$PROGRAM" "$@"
else
  exec timeout "$TIMEOUT" "$QEMU" "$PROGRAM" "$@"
fi
