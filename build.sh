#!/usr/bin/env bash
# The project's one entry point. The README's two commands:
#   ./build.sh demo     provision, build, and run the appliance's main job with no hardware
#   ./build.sh test     provision, build, and run every test (CI runs exactly this)
# Other commands:
#   ./build.sh provision [--arm64]   only provision native libraries and models (idempotent, cached)
#   ./build.sh aot-probe             NativeAOT publish (net9.0 retarget, linux-x64) and run its self-check
#   ./build.sh arm64-check           cross-built aarch64 libraries loaded and run under qemu-aarch64
#   ./build.sh bench [ARGS]          benchmarks (BenchmarkDotNet / bench commands); ARGS go to the bench tool
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
CONFIG="${CONFIGURATION:-Release}"

log() { printf '[build] %s\n' "$*" >&2; }

need_dotnet() {
  command -v dotnet >/dev/null || {
    echo "[build] error: the .NET 10 SDK is missing. Install it (https://learn.microsoft.com/dotnet/core/install/linux-debian) and run again." >&2
    exit 69
  }
}

provision() { "$ROOT/eng/provision.sh" "$@"; }

appliance_dll() { echo "$ROOT/src/Appliance/bin/$CONFIG/net10.0/appliance.dll"; }

cmd_demo() {
  provision
  need_dotnet
  log "building the appliance ($CONFIG)"
  dotnet build "$ROOT/src/Appliance/Appliance.csproj" -c "$CONFIG" -v quiet -nologo -clp:NoSummary >&2
  dotnet "$(appliance_dll)" demo "$@"
}

cmd_aot_probe() {
  need_dotnet
  local out="$ROOT/artifacts/aot/linux-x64"
  log "NativeAOT publish (AotProbe: net9.0, linux-x64) into $out"
  dotnet publish "$ROOT/src/Appliance/Appliance.csproj" -c Release -p:AotProbe=true -r linux-x64 \
    -o "$out" -v quiet -nologo -clp:NoSummary >&2
  local bin="$out/appliance"
  [ -x "$bin" ] || { echo "[build] error: NativeAOT publish produced no $bin" >&2; exit 1; }
  log "NativeAOT binary: $(du -h "$bin" | cut -f1) ($(stat -c %s "$bin") bytes)"
  "$bin" self-check
}

cmd_arm64_check() {
  provision --arm64
  "$ROOT/eng/arm64-check.sh"
}

cmd_test() {
  provision --arm64
  need_dotnet
  local results="$ROOT/artifacts/test-results"
  rm -rf "$results"; mkdir -p "$results"
  log "building the solution ($CONFIG)"
  dotnet build "$ROOT/Appliance.sln" -c "$CONFIG" -v quiet -nologo -clp:NoSummary >&2
  log "running the tests"
  local rc=0
  dotnet test "$ROOT/Appliance.sln" -c "$CONFIG" --no-build -nologo \
    --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" \
    2>&1 | tee "$results/console.log" || rc=$?
  local demo_rc=0
  log "running the main job (demo --fast) as a smoke test"
  dotnet "$(appliance_dll)" demo --fast --workdir "$ROOT/artifacts/demo" > "$results/demo.log" 2>&1 || demo_rc=$?
  tail -12 "$results/demo.log"
  local probe_rc=0
  cmd_aot_probe || probe_rc=$?
  local arm_rc=0
  "$ROOT/eng/arm64-check.sh" || arm_rc=$?
  summarize "$results/console.log" "$probe_rc" "$arm_rc" "$demo_rc"
  [ "$rc" = 0 ] && [ "$probe_rc" = 0 ] && [ "$arm_rc" = 0 ] && [ "$demo_rc" = 0 ]
}

# One closing line over every test assembly plus the two whole-system checks.
summarize() {
  local log="$1" probe_rc="$2" arm_rc="$3" demo_rc="$4"
  local passed failed skipped
  # vstest's summary block per test assembly: "     Passed: N", "     Failed: N", "    Skipped: N".
  read -r passed failed skipped < <(awk '
    /^ +Passed: +[0-9]+$/  { p += $2 }
    /^ +Failed: +[0-9]+$/  { f += $2 }
    /^ +Skipped: +[0-9]+$/ { s += $2 }
    END { print p+0, f+0, s+0 }' "$log")
  local assemblies runs
  assemblies=$(find "$ROOT/tests" -name '*.Tests.csproj' | wc -l)
  runs=$(grep -cE '^Test Run (Successful|Failed)\.' "$log" || true)
  if grep -qE '^(Test Run Aborted|Build FAILED)' "$log" || [ "$runs" -lt "$assemblies" ]; then
    echo "[build] a test run aborted or did not report ($runs of $assemblies assemblies reported)" >&2
    failed=$((failed + 1))
  fi
  [ "$probe_rc" = 0 ] && passed=$((passed + 1)) || failed=$((failed + 1))
  [ "$arm_rc" = 0 ] && passed=$((passed + 1)) || failed=$((failed + 1))
  [ "$demo_rc" = 0 ] && passed=$((passed + 1)) || failed=$((failed + 1))
  echo
  echo "demo: $([ "$demo_rc" = 0 ] && echo passed || echo FAILED); aot-probe: $([ "$probe_rc" = 0 ] && echo passed || echo FAILED); arm64-check: $([ "$arm_rc" = 0 ] && echo passed || echo FAILED)"
  echo "total: $((passed + failed + skipped)), passed: $passed, failed: $failed, skipped: $skipped"
  echo "tests: $passed passed, $failed failed, $skipped skipped"
}

cmd_bench() {
  provision
  need_dotnet
  dotnet run --project "$ROOT/bench/Benchmarks/Benchmarks.csproj" -c Release -- "$@"
}

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  provision) shift; provision "$@" ;;
  aot-probe) shift; cmd_aot_probe "$@" ;;
  arm64-check) shift; cmd_arm64_check "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64 ;;
esac
