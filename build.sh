#!/usr/bin/env bash
# The project's one entry point. The README's two commands:
#   ./build.sh demo     provision, build, and run the appliance's main job with no hardware
#   ./build.sh test     provision, build, and run every test (CI runs exactly this)
# Other commands:
#   ./build.sh provision [--arm64] [--bench]  only provision models, Debian packages, the arm64 sysroot (idempotent)
#   ./build.sh aot-jobs [--rids "R..."]  NativeAOT publish for linux-x64 and linux-arm64, and real jobs on each binary
#                                    (arm64 under qemu) compared with the JIT build's output (part of `test`)
#   ./build.sh bench [ARGS]          benchmarks (BenchmarkDotNet / bench commands); ARGS go to the bench tool
# Environment: APPLIANCE_SKIP_UNIT_TESTS=1 makes `test` skip the unit-test step (dotnet test), for working on the
# rest of the flow; the closing line then says so. CONFIGURATION (default Release).
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

cmd_aot_jobs() {
  provision --arm64
  need_dotnet
  "$ROOT/eng/aot-jobs.sh" "$@"
}

cmd_test() {
  provision --arm64
  need_dotnet
  local results="$ROOT/artifacts/test-results"
  rm -rf "$results"; mkdir -p "$results"
  log "building the solution ($CONFIG)"
  dotnet build "$ROOT/Appliance.sln" -c "$CONFIG" -v quiet -nologo -clp:NoSummary >&2
  local rc=0
  if [ "${APPLIANCE_SKIP_UNIT_TESTS:-0}" = 1 ]; then
    log "APPLIANCE_SKIP_UNIT_TESTS=1: the unit tests are NOT run"
  else
    log "running the tests"
    dotnet test "$ROOT/Appliance.sln" -c "$CONFIG" --no-build -nologo \
      --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" \
      2>&1 | tee "$results/console.log" || rc=$?
  fi
  local demo_rc=0
  log "running the main job (demo --fast) as a smoke test"
  dotnet "$(appliance_dll)" demo --fast --workdir "$ROOT/artifacts/demo" > "$results/demo.log" 2>&1 || demo_rc=$?
  tail -12 "$results/demo.log"
  log "NativeAOT binaries: publish linux-x64 and linux-arm64, run each (arm64 under qemu) against the JIT build"
  local aot_rc=0
  "$ROOT/eng/aot-jobs.sh" --results "$results" || aot_rc=$?
  summarize "$results" "$demo_rc"
  [ "$rc" = 0 ] && [ "$aot_rc" = 0 ] && [ "$demo_rc" = 0 ]
}

# One closing line over every test assembly, the demo and the NativeAOT binary jobs (eng/aot-jobs.sh).
summarize() {
  local results="$1" demo_rc="$2" log="$1/console.log"
  local passed=0 failed=0 skipped=0
  if [ "${APPLIANCE_SKIP_UNIT_TESTS:-0}" = 1 ]; then
    echo "[build] unit tests skipped (APPLIANCE_SKIP_UNIT_TESTS=1): this run does not count them" >&2
  else
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
  fi
  [ "$demo_rc" = 0 ] && passed=$((passed + 1)) || failed=$((failed + 1))
  # NativeAOT binary jobs, one line each: rid, job, passed|failed|skipped, detail
  local tsv="$results/aot-jobs.tsv" x64=0 x64_failed=0 arm=0 arm_failed=0 aot_skipped=0
  if [ -s "$tsv" ]; then
    x64=$(awk -F'\t' '$1 == "linux-x64" && $3 == "passed"' "$tsv" | wc -l)
    x64_failed=$(awk -F'\t' '$1 == "linux-x64" && $3 == "failed"' "$tsv" | wc -l)
    arm=$(awk -F'\t' '$1 == "linux-arm64" && $3 == "passed"' "$tsv" | wc -l)
    arm_failed=$(awk -F'\t' '$1 == "linux-arm64" && $3 == "failed"' "$tsv" | wc -l)
    aot_skipped=$(awk -F'\t' '$3 == "skipped"' "$tsv" | wc -l)
  else
    echo "[build] the NativeAOT binary jobs reported nothing" >&2
    x64_failed=1
  fi
  passed=$((passed + x64 + arm)); failed=$((failed + x64_failed + arm_failed)); skipped=$((skipped + aot_skipped))
  local times=""
  for rid in linux-x64 linux-arm64; do
    [ -f "$ROOT/artifacts/aot/publish-$rid.seconds" ] && times="$times, $rid publish $(cat "$ROOT/artifacts/aot/publish-$rid.seconds") s"
  done
  echo
  # A CI record keeps only the end of the output: name each failed test and its message here, where it is kept.
  if [ "${APPLIANCE_SKIP_UNIT_TESTS:-0}" != 1 ] && grep -qE '^ +Failed [^:]' "$log"; then
    echo "failed tests (message, first lines; the whole report is in $log):"
    awk '
      /^ +Failed [^:]/      { if (n++ >= 20) exit; print; grab = 8; next }
      /^ +Stack Trace:/     { grab = 0 }
      grab > 0              { print "    " $0; grab-- }' "$log"
  fi
  echo "demo: $([ "$demo_rc" = 0 ] && echo passed || echo FAILED); NativeAOT arm64 (qemu) jobs: $arm passed, $arm_failed failed; NativeAOT x64 jobs: $x64 passed, $x64_failed failed${times}"
  echo "total: $((passed + failed + skipped)), passed: $passed, failed: $failed, skipped: $skipped"
  echo "tests: $passed passed, $failed failed, $skipped skipped"
}

cmd_bench() {
  provision --bench
  need_dotnet
  dotnet run --project "$ROOT/bench/Benchmarks/Benchmarks.csproj" -c Release -- "$@"
}

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  provision) shift; provision "$@" ;;
  aot-jobs) shift; cmd_aot_jobs "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64 ;;
esac
