using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Cloud;
using VoiceAppliance.Demo;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Vad;
using VoiceAppliance.Models.Whisper;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Cli;

/// <summary>
/// <c>appliance demo</c>: the main job without hardware. The whole pipeline runs on the real engines (Silero VAD,
/// pocketsphinx grammar STT or whisper.cpp, the intents workflow, Piper) and real ALSA: a <c>type file</c> PCM plays
/// a recording as the microphone (48 kHz stereo, like a ReSpeaker 2-Mic HAT) and another writes the speaker's output
/// to a WAV file. The default recording is synthesised: spoken commands with silences and room noise; a simulated
/// button is tapped before each. Events and per-turn metrics are printed as they happen.
/// </summary>
public static class DemoCommand
{
    private const string Usage = """
        usage: appliance demo [--input WAV] [--output WAV] [--fast] [--stt grammar|whisper] [--whisper-model FILE] [--workdir DIR] [--realtime URL [--realtime-turns MODE]]
          --input WAV          your own recording as the microphone (any rate/channels; the button is tapped at the start and after each session)
          --output WAV         where the speaker's audio goes (default: <workdir>/speaker.wav)
          --fast               pace the microphone and speaker at twice real time
          --stt ENGINE         grammar (default; pocketsphinx on the intents' sentences) or whisper
          --whisper-model FILE ggml Whisper model for --stt whisper (default: models/ggml-tiny.en.bin)
          --workdir DIR        where the ALSA configuration, recording and output go (default: a new temporary folder)
          --realtime URL       answer the turns with an OpenAI Realtime server (ws:// or wss://, no key), e.g. the bench's
                               `cloud serve-realtime`; the local engines are the fallback
          --realtime-turns M   who ends a realtime turn: device (default), server_vad or semantic_vad
        """;

    /// <summary>Runs the demo.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        string? input = null, output = null, workdir = null, realtimeUrl = null;
        var realtimeTurns = "device";
        var engine = new SpeechEngineArguments("grammar");
        var speed = 1.0;
        for (var i = 0; i < args.Length; i++)
        {
            if (engine.TryTake(args, ref i, out var error))
            {
                if (error is not null)
                {
                    await stderr.WriteLineAsync($"appliance demo: {error}.\n{Usage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                continue;
            }

            var hasValue = i + 1 < args.Length;
            switch (args[i])
            {
                case "--input" when hasValue:
                    input = args[++i];
                    break;
                case "--output" when hasValue:
                    output = args[++i];
                    break;
                case "--workdir" when hasValue:
                    workdir = args[++i];
                    break;
                case "--realtime" when hasValue && Uri.TryCreate(args[i + 1], UriKind.Absolute, out var url) && url.Scheme is "ws" or "wss":
                    realtimeUrl = args[++i];
                    break;
                case "--realtime-turns" when hasValue && args[i + 1] is "device" or RealtimeOptions.ServerVad or RealtimeOptions.SemanticVad:
                    realtimeTurns = args[++i];
                    break;
                case "--fast":
                    speed = 2;
                    break;
                default:
                    await stderr.WriteLineAsync($"appliance demo: unknown or incomplete option '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
            }
        }

        if (input is not null && !File.Exists(input))
        {
            // The user's own input file: bad input (65), not a missing part of the appliance (69).
            await stderr.WriteLineAsync($"appliance demo: input WAV '{input}' does not exist.").ConfigureAwait(false);
            return ExitCodes.DataError;
        }

        var check = SelfCheck.Run();
        var code = SelfCheck.Print(stdout, check);
        if (code != ExitCodes.Ok)
        {
            return code;
        }

        try
        {
            var realtime = realtimeUrl is null ? null : new RealtimeOptions { BaseUrl = new Uri(realtimeUrl), Model = "demo", TurnDetection = realtimeTurns, FollowUp = false };
            return await RunDemoAsync(input, output, workdir, engine.Engine, engine.WhisperModel, speed, realtime, stdout, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException ex)
        {
            await stderr.WriteLineAsync($"appliance demo: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
        catch (DirectoryNotFoundException ex)
        {
            await stderr.WriteLineAsync($"appliance demo: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
        catch (InvalidWavException ex)
        {
            await stderr.WriteLineAsync($"appliance demo: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.DataError;
        }
        catch (InvalidDataException ex)
        {
            await stderr.WriteLineAsync($"appliance demo: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.DataError;
        }
    }

    private static async Task<int> RunDemoAsync(string? input, string? output, string? workdir, string stt, string? whisperModel, double speed, RealtimeOptions? realtimeOptions, TextWriter stdout, CancellationToken cancellationToken)
    {
        var userAudio = input is null ? null : WavFile.Read(input); // fail early on a bad file
        var vadPath = ModelPaths.Require("silero_vad_v5.onnx");
        var voiceDir = Path.GetDirectoryName(ModelPaths.Require("piper/en_US-libritts_r-medium/model.onnx"))!;
        workdir ??= Path.Combine(Path.GetTempPath(), $"appliance-demo-{Environment.ProcessId}");
        Directory.CreateDirectory(workdir);
        output ??= Path.Combine(workdir, "speaker.wav");

        var load = Stopwatch.StartNew();
        using var tts = PiperTts.Open(voiceDir);
        using var vad = SileroVad.Open(vadPath);
        var intents = IntentsFile.Parse(DemoScenario.IntentsJson, "demo intents");
        using var workflow = new IntentWorkflow(intents, new PrintingPublisher(stdout));
        using var whisper = stt == "whisper" ? WhisperModel.Load(whisperModel ?? ModelPaths.Require("ggml-tiny.en.bin")) : null;
        using var grammar = stt == "grammar" ? new GrammarSpeechToText(workflow.Jsgf) : null;
        ISpeechToText recognizer = whisper is not null ? new WhisperSpeechToText(whisper) : grammar!;
        await using var realtime = realtimeOptions is null ? null : new RealtimeSpeech(realtimeOptions, null, workflow, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        if (realtimeOptions is not null)
        {
            await stdout.WriteLineAsync($"realtime: {realtimeOptions.ConnectUrl} (turn detection {realtimeOptions.TurnDetection}); the local engines are the fallback").ConfigureAwait(false);
        }
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"engines: Silero VAD {vad.Version}, {recognizer.Name} STT, {tts.Name} ({tts.SampleRate} Hz), {intents.Intents.Count} intents; loaded in {load.ElapsedMilliseconds} ms")).ConfigureAwait(false);

        // The microphone recording: the synthesised scenario, or the user's file.
        float[] micInterleaved;
        int micRate, micChannels;
        IReadOnlyList<ScriptedCommand> script = [];
        if (userAudio is null)
        {
            var (mono, commands) = DemoScenario.Build(tts, TimeSpan.FromSeconds(6));
            script = commands;
            WavFile.WritePcm16(Path.Combine(workdir, "microphone-16k.wav"), mono, 16000);
            micInterleaved = DemoScenario.ToMicFormat(mono);
            micRate = DemoScenario.MicRate;
            micChannels = DemoScenario.MicChannels;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"microphone: synthesised scenario, {commands.Count} commands, {mono.Length / 16000.0:F1} s, {micRate} Hz x {micChannels} ch")).ConfigureAwait(false);
        }
        else
        {
            micInterleaved = userAudio.Samples;
            micRate = userAudio.SampleRate;
            micChannels = userAudio.Channels;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"microphone: {input} ({micRate} Hz x {micChannels} ch, {userAudio.Duration.TotalSeconds:F1} s)")).ConfigureAwait(false);
        }

        var raw = Path.Combine(workdir, "microphone.raw");
        AlsaFileDevices.WriteRaw(raw, micInterleaved, AlsaSampleFormat.S16LE);
        var devices = new AlsaFileDevices(Path.Combine(workdir, "asoundrc"));
        devices.AddCapture("demo_mic", raw);
        devices.AddPlayback("demo_speaker", output);
        await stdout.WriteLineAsync($"ALSA: capture 'demo_mic' and playback 'demo_speaker' (type file PCMs) from {devices.ConfigurationPath}; speaker output -> {output}").ConfigureAwait(false);

        var capture = new AlsaCapture(new AlsaCaptureOptions
        {
            Device = "demo_mic",
            ConfigurationFile = devices.ConfigurationPath,
            Format = AlsaSampleFormat.S16LE,
            SampleRate = micRate,
            Channels = micChannels,
            Selection = micChannels == 1 ? ChannelSelection.Channel(0) : ChannelSelection.Downmix,
            PaceInRealTime = true,
            PaceSpeed = speed,
            MaxFrames = micInterleaved.Length / micChannels,
        });
        var playback = new AlsaPlayback(new AlsaPlaybackOptions
        {
            Device = "demo_speaker",
            ConfigurationFile = devices.ConfigurationPath,
            SampleRate = 48000,
            PaceInRealTime = true,
            PaceSpeed = speed,
        });

        VoicePipeline? pipeline = null;
        var triggers = userAudio is null ? script.Select(c => c.TriggerSample).ToList() : [0L];
        var mic = new ScriptedTriggerCapture(capture, triggers, () =>
        {
            stdout.WriteLine("[button] tap");
            pipeline!.Tap();
        });
        var turns = new List<TurnEndedEvent>();
        var sessions = new List<SessionEndedEvent>();
        await using (playback.ConfigureAwait(false))
        {
            await using (mic.ConfigureAwait(false))
            {
                capture.Start();
                using (pipeline = new VoicePipeline(new PipelineEngines(mic, playback, vad, recognizer, tts, workflow) { Realtime = realtime }, new PipelineOptions()))
                {
                    using var subscription = pipeline.Events.Subscribe(1024);
                    var printer = Task.Run(
                        async () =>
                        {
                            await foreach (var e in subscription.WithCancellation(CancellationToken.None).ConfigureAwait(false))
                            {
                                await stdout.WriteLineAsync(PipelineEventPayload.ToLine(e)).ConfigureAwait(false);
                                switch (e)
                                {
                                    case TurnEndedEvent t:
                                        turns.Add(t);
                                        break;
                                    case SessionEndedEvent s:
                                        sessions.Add(s);
                                        if (userAudio is not null && !capture.HasEnded)
                                        {
                                            pipeline.Tap(); // a user recording: keep listening, session after session
                                        }

                                        break;
                                }
                            }
                        },
                        CancellationToken.None);

                    var wall = Stopwatch.StartNew();
                    await pipeline.RunAsync(cancellationToken).ConfigureAwait(false);
                    await playback.DrainAsync(cancellationToken).ConfigureAwait(false);
                    pipeline.Events.Complete();
                    await printer.ConfigureAwait(false);
                    await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"ran {wall.Elapsed.TotalSeconds:F1} s; microphone dropped {capture.DroppedSamples} samples, {capture.Xruns} xruns")).ConfigureAwait(false);
                }
            }
        }

        return await SummarizeAsync(stdout, script, turns, sessions, output).ConfigureAwait(false);
    }

    private static async Task<int> SummarizeAsync(TextWriter stdout, IReadOnlyList<ScriptedCommand> script, List<TurnEndedEvent> turns, List<SessionEndedEvent> sessions, string output)
    {
        await stdout.WriteLineAsync().ConfigureAwait(false);
        await stdout.WriteLineAsync("turn  said                                  heard                                 intent            EOS->text  EOS->audio  voice->audio  early").ConfigureAwait(false);
        for (var i = 0; i < turns.Count; i++)
        {
            var t = turns[i];
            var said = i < script.Count ? script[i].Text : string.Empty;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{i + 1,-5} {Clip(said, 37),-37} {Clip(t.Transcript ?? "-", 37),-37} {t.Intent ?? "-",-17} {Ms(t.Metrics.EndOfSpeechToTranscriptMs),9} {Ms(t.Metrics.EndOfSpeechToFirstAudioMs),11} {Ms(t.Metrics.LastVoiceToFirstAudioMs),13}  {(t.Metrics.EarlyEndpoint ? "yes" : "no")}")).ConfigureAwait(false);
        }

        var latencies = turns.Select(t => t.Metrics.EndOfSpeechToFirstAudioMs).OfType<double>().Order().ToList();
        if (latencies.Count > 0)
        {
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"end of speech -> first reply audio: median {latencies[latencies.Count / 2]:F0} ms over {latencies.Count} turns")).ConfigureAwait(false);
        }

        var felt = turns.Select(t => t.Metrics.LastVoiceToFirstAudioMs).OfType<double>().Order().ToList();
        if (felt.Count > 0)
        {
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"last voiced sample -> first reply audio: median {felt[felt.Count / 2]:F0} ms over {felt.Count} turns ({turns.Count(t => t.Metrics.EarlyEndpoint)} ended early)")).ConfigureAwait(false);
        }

        var reasons = sessions.GroupBy(s => s.Reason.ToWireName()).Select(g => $"{g.Key} x{g.Count()}");
        await stdout.WriteLineAsync($"sessions: {sessions.Count} ({string.Join(", ", reasons)})").ConfigureAwait(false);
        var speaker = File.Exists(output) ? WavFile.Read(output) : null;
        if (speaker is not null)
        {
            var voiced = speaker.Samples.Count(s => Math.Abs(s) > 0.02f) / (double)speaker.SampleRate;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"speaker: {output} ({speaker.Duration.TotalSeconds:F1} s at {speaker.SampleRate} Hz, {voiced:F1} s above -34 dBFS)")).ConfigureAwait(false);
        }

        if (script.Count > 0)
        {
            // The scripted scenario knows what each command means: the demo fails when the appliance got one wrong.
            var wrong = Enumerable.Range(0, script.Count).Count(i => i >= turns.Count || !string.Equals(turns[i].Intent, DemoScenario.ExpectedIntents[i], StringComparison.Ordinal));
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"scenario: {script.Count - wrong} of {script.Count} commands understood as intended")).ConfigureAwait(false);
            if (wrong > 0)
            {
                return ExitCodes.Software;
            }
        }

        return sessions.Count > 0 && speaker is not null ? ExitCodes.Ok : ExitCodes.Software;
    }

    private static string Ms(double? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:F0} ms") : "-";

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";

    private sealed class PrintingPublisher(TextWriter stdout) : IMessagePublisher
    {
        public ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken)
        {
            stdout.WriteLine($"[mqtt] {topic} <- {payload} (MQTT is off in the demo)");
            return ValueTask.CompletedTask;
        }
    }
}
