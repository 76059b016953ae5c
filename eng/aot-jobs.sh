#!/usr/bin/env bash
# Publishes the appliance with NativeAOT for linux-x64 and linux-arm64 and runs each binary for real, comparing its
# output with the JIT build's (src/Appliance/bin/<config>/net10.0/appliance.dll) on the same inputs:
#   publish     dotnet publish -r RID (time, binary size, AOT warnings), the binary is an ELF of that RID, and the
#               folder holds natives of that RID only (nothing under runtimes/<other>/, no .dll/.dylib/.metal)
#   self-check  every native library loads and reports its version
#   vad-sample  `vad models/samples/jfk.wav`: the speech segments equal the JIT build's, sample for sample
#   say         `say SENTENCE --output WAV` with the Piper voice
#   vad-say     `vad` on that WAV finds speech
#   grammar     `transcribe --stt grammar` of a command spoken by espeak-ng (config/intents.json): the transcript and
#               verdict equal the JIT build's (and the spoken command)
#   whisper     `transcribe --stt whisper` on a generated random-weight model (`dev whisper-test-model`): runs and
#               prints output of the same shape as the JIT build's (segment lines, then the summary line)
#   realtime    (host RID only) `demo --input` of the spoken command with --realtime-turns server_vad against the
#               bench's local Realtime server (`bench cloud serve-realtime`): the server's VAD ends the turn and its
#               answer is the turn's reply (the WebSocket client, streaming and JSON source generation under AOT)
# The x64 binary runs natively; the arm64 binary runs under qemu-aarch64 with Debian's arm64 libraries from a private
# sysroot (eng/run-arm64.sh, eng/arm64-sysroot.sh). On an arm64 machine it is the other way round for arm64 (native)
# and the x64 jobs are skipped.
#
# usage: eng/aot-jobs.sh [--rids "linux-x64 linux-arm64"] [--results DIR]
#   writes DIR/aot-jobs.tsv (rid, job, passed|failed|skipped, detail) and the outputs under artifacts/aot-jobs/;
#   exit code 0 when no job failed. Environment: CONFIGURATION (default Release) for the JIT build.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG="${CONFIGURATION:-Release}"
RIDS="linux-x64 linux-arm64"
RESULTS="$ROOT/artifacts/test-results"
while [ $# -gt 0 ]; do
  case "$1" in
    --rids) RIDS="$2"; shift 2 ;;
    --results) RESULTS="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "aot-jobs: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
WORK="$ROOT/artifacts/aot-jobs"
TSV="$RESULTS/aot-jobs.tsv"
JIT_DLL="$ROOT/src/Appliance/bin/$CONFIG/net10.0/appliance.dll"
# Short: the arm64 Piper synthesis under qemu runs at about 20 times real time (about 30 s for this sentence).
SENTENCE="${AOT_SAY_TEXT:-Turn on the kitchen light.}"
COMMAND="turn on the kitchen light"
JOB_TIMEOUT="${AOT_JOB_TIMEOUT:-900}"
mkdir -p "$RESULTS" "$WORK"
: > "$TSV"

log() { printf '[aot] %s\n' "$*" >&2; }
record() { # rid job status detail
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$TSV"
  printf '[aot] %-11s %-10s %s%s\n' "$1" "$2" "$([ "$3" = passed ] && echo passed || echo "${3^^}")" "${4:+: $4}" >&2
}
indent() { sed 's/^/[aot]     | /' >&2; }
elf_machine() { # e_machine of an ELF file: 3e00 x86-64, b700 aarch64
  [ "$(od -An -tx1 -j0 -N4 "$1" 2>/dev/null | tr -d ' \n')" = 7f454c46 ] && od -An -tx1 -j18 -N2 "$1" | tr -d ' \n'
}
rid_machine() { case "$1" in linux-x64) echo 3e00 ;; linux-arm64) echo b700 ;; esac; }
host_rid() { case "$(uname -m)" in x86_64) echo linux-x64 ;; aarch64|arm64) echo linux-arm64 ;; *) echo unknown ;; esac; }
segments() { grep -E '^speech [0-9]+: ' "$1" || true; }
grammar_verdict() { # "<text> | <verdict>" from transcribe --stt grammar
  sed -nE 's/^\[[0-9.]+ -> [0-9.]+\] (.*) \(confidence [^;]*; unexplained speech [^:]*: (.*)\)$/\1 | \2/p' "$1" | head -1
}
whisper_shape() { # "N segment(s)" when every line is a segment line or the summary line, else "malformed"
  local bad summary
  bad=$(grep -cvE '^\[[0-9]+\.[0-9]{2} -> [0-9]+\.[0-9]{2}\] .* \(confidence [0-9.]+\)$|^[^ ]+: [0-9]+ segment\(s\), [0-9.]+ s of audio in [0-9]+ ms' "$1" || true)
  summary=$(grep -oE '^[^ ]+: [0-9]+ segment\(s\)' "$1" | tail -1 | sed 's/^[^ ]*: //')
  if [ "$bad" = 0 ] && [ -n "$summary" ] && [ "$(grep -cE '^\[' "$1")" = "${summary%% *}" ]; then echo "$summary"; else echo malformed; fi
}

# run RID OUTBASE ARGS... : runs the binary (or the JIT build for RID "jit"), stdout/stderr to OUTBASE.out/.err
run() {
  local rid="$1" base="$2"; shift 2
  case "$rid" in
    jit) timeout "$JOB_TIMEOUT" dotnet "$JIT_DLL" "$@" ;;
    "$(host_rid)") timeout "$JOB_TIMEOUT" "$ROOT/artifacts/aot/$rid/appliance" "$@" ;;
    linux-arm64) ARM64_RUN_TIMEOUT="$JOB_TIMEOUT" "$ROOT/eng/run-arm64.sh" "$ROOT/artifacts/aot/$rid/appliance" "$@" ;;
  esac > "$base.out" 2> "$base.err"
}

# realtime_job RID DIR: `bench cloud serve-realtime` on a free port (its stdin a FIFO: closing it stops the server),
# the binary's `demo --input` with --realtime-turns server_vad; passes when the server's VAD ended the turn and its
# answer was the turn's reply.
BENCH_DLL="$ROOT/bench/Benchmarks/bin/$CONFIG/net10.0/Benchmarks.dll"
realtime_job() {
  local rid="$1" w="$2" url="" fifo="$2/realtime.fifo" spid i
  sox "$IN/command-raw.wav" -r 16000 -c 1 -b 16 "$IN/command-pause.wav" pad 0.5 2.5 2>/dev/null || { record "$rid" realtime failed "sox could not pad the command"; return; }
  rm -f "$fifo"; mkfifo "$fifo"
  dotnet "$BENCH_DLL" cloud serve-realtime < "$fifo" > "$w/realtime-server.out" 2>&1 &
  spid=$!
  exec 7> "$fifo"
  for i in $(seq 1 300); do
    url=$(sed -nE 's/^realtime server: (ws:[^ ]+)$/\1/p' "$w/realtime-server.out" | head -1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    record "$rid" realtime failed "the bench's Realtime server did not start"; indent < "$w/realtime-server.out"
  elif run "$rid" "$w/realtime" demo --input "$IN/command-pause.wav" --realtime "$url" --realtime-turns server_vad --workdir "$w/realtime-demo"; then
    local turn; turn=$(grep -m1 -E 'turn_ended +turn 0 ' "$w/realtime.out")
    if grep -q 'speech_stopped' "$w/realtime-server.out" && [[ "$turn" == *'reply="This is the local realtime server."'*'end server'*'realtime=cloud-realtime'* ]]; then
      record "$rid" realtime passed "server_vad turn: $(grep -m1 'speech_started' "$w/realtime-server.out" | sed 's/^\[realtime-server\] //'), $(grep -m1 'speech_stopped' "$w/realtime-server.out" | sed 's/^\[realtime-server\] server: //; s/; answering//'); ${turn##*| }"
    else
      record "$rid" realtime failed "the server did not end the turn or its answer was not the reply"; indent < "$w/realtime.out"; indent < "$w/realtime-server.out"
    fi
  else
    record "$rid" realtime failed "exit $?"; indent < "$w/realtime.err"
  fi
  exec 7>&-
  wait "$spid" 2>/dev/null
}

# --- inputs and the JIT build's reference outputs ---------------------------------------------------------------
[ -f "$JIT_DLL" ] || { log "building the appliance ($CONFIG) for the reference outputs"; dotnet build "$ROOT/src/Appliance/Appliance.csproj" -c "$CONFIG" -v quiet -nologo -clp:NoSummary >&2; }
rm -rf "$WORK"; mkdir -p "$WORK/jit" "$WORK/inputs"
IN="$WORK/inputs"
SAMPLE="$ROOT/models/samples/jfk.wav"
[ -f "$SAMPLE" ] || log "missing $SAMPLE (run eng/provision.sh)"
espeak-ng -v en-us -s 150 -w "$IN/command-raw.wav" "$COMMAND" && sox "$IN/command-raw.wav" -r 16000 -c 1 -b 16 "$IN/command.wav" pad 0.3 0.3 \
  || log "could not speak the command with espeak-ng + sox"
run jit "$IN/model" dev whisper-test-model "$IN/whisper-test-model.bin" || { log "the JIT build could not write the Whisper test model:"; indent < "$IN/model.err"; }
run jit "$WORK/jit/vad-sample" vad "$SAMPLE"
run jit "$WORK/jit/grammar" transcribe "$IN/command.wav" --stt grammar --intents "$ROOT/config/intents.json"
run jit "$WORK/jit/whisper" transcribe "$IN/command.wav" --stt whisper --whisper-model "$IN/whisper-test-model.bin"
JIT_SEGMENTS=$(segments "$WORK/jit/vad-sample.out")
JIT_GRAMMAR=$(grammar_verdict "$WORK/jit/grammar.out")
JIT_WHISPER=$(whisper_shape "$WORK/jit/whisper.out")
log "JIT reference: vad-sample $(printf '%s\n' "$JIT_SEGMENTS" | grep -c . ) segment(s); grammar '$JIT_GRAMMAR'; whisper $JIT_WHISPER"

# --- per RID -----------------------------------------------------------------------------------------------------
LINKER_ARGS=()
if ! command -v clang >/dev/null; then
  for v in 19 18 17 16 15 14; do command -v "clang-$v" >/dev/null && { LINKER_ARGS=(-p:CppCompilerAndLinker="clang-$v"); break; }; done
fi

for rid in $RIDS; do
  out="$ROOT/artifacts/aot/$rid"
  bin="$out/appliance"
  w="$WORK/$rid"; mkdir -p "$w"
  if [ "$rid" != "$(host_rid)" ] && [ "$rid" != linux-arm64 ]; then
    for job in publish self-check vad-sample say vad-say grammar whisper realtime; do record "$rid" "$job" skipped "cannot run $rid binaries on $(uname -m)"; done
    continue
  fi

  # publish
  rm -rf "$out"; mkdir -p "$out"
  t0=$(date +%s)
  if dotnet publish "$ROOT/src/Appliance/Appliance.csproj" -c Release -r "$rid" -o "$out" "${LINKER_ARGS[@]}" -nologo \
       > "$ROOT/artifacts/aot/publish-$rid.log" 2>&1 && [ -x "$bin" ]; then
    secs=$(( $(date +%s) - t0 ))
    echo "$secs" > "$ROOT/artifacts/aot/publish-$rid.seconds"
    warnings=$(grep -oE 'warning [A-Z]+[0-9]+' "$ROOT/artifacts/aot/publish-$rid.log" | sort -u | tr '\n' ' ')
    foreign=$(cd "$out" && find . -type f \( -path "./runtimes/*" ! -path "./runtimes/$rid/*" -o -name '*.dll' -o -name '*.dylib' -o -name '*.metal' \) | sort | tr '\n' ' ')
    wrong_arch=""
    while IFS= read -r -d '' f; do
      m=$(elf_machine "$f") || continue
      [ "$m" = "$(rid_machine "$rid")" ] || wrong_arch="$wrong_arch ${f#"$out"/}"
    done < <(find "$out" -type f \( -name appliance -o -name '*.so*' \) -print0)
    natives=$(cd "$out" && find . -name '*.so*' -type f | sed 's|^\./||' | sort | tr '\n' ' ')
    detail="${secs} s, binary $(stat -c %s "$bin") bytes ($(du -h "$bin" | cut -f1)), folder $(du -sh --exclude='*.dbg' --exclude='*.pdb' "$out" | cut -f1) without symbols; natives: ${natives}; AOT warnings: ${warnings:-none}"
    if [ "$(elf_machine "$bin")" != "$(rid_machine "$rid")" ]; then
      record "$rid" publish failed "appliance is not a $rid ELF executable"
    elif [ -n "$foreign" ] || [ -n "$wrong_arch" ]; then
      record "$rid" publish failed "other platforms' natives in the publish folder: $foreign$wrong_arch"
    else
      record "$rid" publish passed "$detail"
    fi
  else
    record "$rid" publish failed "dotnet publish -r $rid failed after $(( $(date +%s) - t0 )) s (log: artifacts/aot/publish-$rid.log)"
    tail -n 15 "$ROOT/artifacts/aot/publish-$rid.log" | indent
    for job in self-check vad-sample say vad-say grammar whisper realtime; do record "$rid" "$job" failed "no binary"; done
    continue
  fi

  # self-check
  if run "$rid" "$w/self-check" self-check; then record "$rid" self-check passed "$(grep -E '^  ' "$w/self-check.out" | sed -E 's/^ +//; s/ +/ /g' | tr '\n' ';' | sed 's/;$//')"
  else record "$rid" self-check failed "exit $?"; indent < "$w/self-check.out"; indent < "$w/self-check.err"; fi

  # vad-sample
  if run "$rid" "$w/vad-sample" vad "$SAMPLE"; then
    got=$(segments "$w/vad-sample.out")
    if [ -z "$JIT_SEGMENTS" ]; then record "$rid" vad-sample failed "the JIT reference found no segments (see $WORK/jit/vad-sample.err)"
    elif [ "$got" = "$JIT_SEGMENTS" ]; then record "$rid" vad-sample passed "$(printf '%s\n' "$got" | grep -c .) segment(s), identical to the JIT build's"
    else record "$rid" vad-sample failed "segments differ from the JIT build's"; diff <(printf '%s\n' "$JIT_SEGMENTS") <(printf '%s\n' "$got") | indent; fi
  else record "$rid" vad-sample failed "exit $?"; indent < "$w/vad-sample.err"; fi

  # say + vad-say
  if run "$rid" "$w/say" say "$SENTENCE" --output "$w/say.wav" && [ -s "$w/say.wav" ]; then
    record "$rid" say passed "$(head -1 "$w/say.out")"
    if run "$rid" "$w/vad-say" vad "$w/say.wav" && [ -n "$(segments "$w/vad-say.out")" ]; then
      record "$rid" vad-say passed "$(tail -1 "$w/vad-say.out")"
    else record "$rid" vad-say failed "no speech found in the spoken WAV"; indent < "$w/vad-say.out"; indent < "$w/vad-say.err"; fi
  else
    record "$rid" say failed "no WAV written"; indent < "$w/say.err"
    record "$rid" vad-say failed "no WAV to run on"
  fi

  # grammar
  if run "$rid" "$w/grammar" transcribe "$IN/command.wav" --stt grammar --intents "$ROOT/config/intents.json"; then
    got=$(grammar_verdict "$w/grammar.out")
    if [ -n "$got" ] && [ "$got" = "$JIT_GRAMMAR" ] && [ "${got%% | *}" = "$COMMAND" ]; then record "$rid" grammar passed "'$got', identical to the JIT build's"
    else record "$rid" grammar failed "'$got' (JIT build: '$JIT_GRAMMAR'; spoken: '$COMMAND')"; fi
  else record "$rid" grammar failed "exit $?"; indent < "$w/grammar.err"; fi

  # whisper
  if run "$rid" "$w/whisper" transcribe "$IN/command.wav" --stt whisper --whisper-model "$IN/whisper-test-model.bin"; then
    got=$(whisper_shape "$w/whisper.out")
    if [ "$got" != malformed ] && [ "$JIT_WHISPER" != malformed ]; then record "$rid" whisper passed "$got (JIT build: $JIT_WHISPER); $(tail -1 "$w/whisper.out")"
    else record "$rid" whisper failed "output shape '$got', JIT build's '$JIT_WHISPER'"; indent < "$w/whisper.out"; [ "$JIT_WHISPER" != malformed ] || indent < "$WORK/jit/whisper.err"; fi
  else record "$rid" whisper failed "exit $?"; tail -n 5 "$w/whisper.err" | indent; fi

  # realtime: a server_vad turn of the binary's demo against the bench's local Realtime server (host RID only: the
  # demo's Silero and Piper under qemu cost minutes and the realtime client is the same managed code)
  if [ "$rid" != "$(host_rid)" ]; then
    record "$rid" realtime skipped "host RID only (the same client code; Silero and Piper under qemu are slow)"
  elif [ ! -f "$BENCH_DLL" ]; then
    record "$rid" realtime skipped "no bench build ($BENCH_DLL) to serve the Realtime API"
  else
    realtime_job "$rid" "$w"
  fi

  if [ "$rid" = linux-arm64 ]; then
    log "linux-arm64 outputs (artifacts/aot-jobs/linux-arm64/):"
    for job in self-check vad-sample say vad-say grammar whisper; do
      [ -s "$w/$job.out" ] && { echo "$ $job"; cat "$w/$job.out"; } 
    done | indent
  fi
done

passed=$(awk -F'\t' '$3 == "passed"' "$TSV" | wc -l)
failed=$(awk -F'\t' '$3 == "failed"' "$TSV" | wc -l)
skipped=$(awk -F'\t' '$3 == "skipped"' "$TSV" | wc -l)
times=$(for rid in $RIDS; do [ -f "$ROOT/artifacts/aot/publish-$rid.seconds" ] && printf '%s %s s, ' "$rid" "$(cat "$ROOT/artifacts/aot/publish-$rid.seconds")"; done | sed 's/, $//')
log "NativeAOT binary jobs: $passed passed, $failed failed, $skipped skipped (publish times: ${times:-none})"
[ "$failed" = 0 ]
