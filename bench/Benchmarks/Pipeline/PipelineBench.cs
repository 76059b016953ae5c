using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Benchmarks.Pipeline;

/// <summary>
/// The engines a pipeline run uses. <see cref="Synthetic"/> measures the pipeline's own overhead (an
/// energy VAD, an STT that returns the scripted text, a tone TTS); point the harness at the real
/// engines (Silero, grammar STT or Whisper, Piper) by passing them here with spoken command audio.
/// </summary>
/// <param name="Name">Row label.</param>
/// <param name="Vad">Creates the VAD.</param>
/// <param name="Stt">Speech to text.</param>
/// <param name="Tts">Text to speech.</param>
/// <param name="Workflow">The workflow (intents by default).</param>
/// <param name="CommandAudio">Audio of command i (16 kHz mono, speech only; the harness adds silence).</param>
public sealed record PipelineBenchEngines(string Name, Func<IVoiceActivityDetector> Vad, ISpeechToText Stt, ITextToSpeech Tts, IVoiceWorkflow Workflow, Func<int, float[]> CommandAudio)
{
    /// <summary>The commands of the scripted run (cycled).</summary>
    public static IReadOnlyList<string> Commands { get; } =
    [
        "turn on the kitchen light", "what time is it", "set the volume to forty percent", "turn off the bedroom light",
        "set a timer for five minutes",
    ];

    /// <summary>Synthetic engines: pipeline overhead only.</summary>
    public static PipelineBenchEngines Synthetic()
    {
        var script = new ScriptedStt();
        return new PipelineBenchEngines(
            "synthetic (energy VAD, scripted STT, tone TTS)",
            () => new EnergyVad(),
            script,
            new ToneTts(),
            new IntentWorkflow(BenchIntents.Options, timeProvider: TimeProvider.System),
            i =>
            {
                script.Next = Commands[i % Commands.Count];
                return Tone(1.2);
            });
    }

    private static float[] Tone(double seconds)
    {
        var a = new float[(int)(seconds * 16000)];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = 0.3f * MathF.Sin(2 * MathF.PI * 220 * i / 16000f);
        }

        return a;
    }
}

/// <summary>
/// <c>pipeline</c> bench command: a scripted run of N commands (tap, command audio, silence) through the
/// whole pipeline; prints end of speech -> transcript -> first reply text -> first reply audio, median and
/// p95, and the STT/TTS real-time factors.
/// </summary>
public static class PipelineBench
{
    private const string Usage = "usage: pipeline [--commands N] [--real [--no-whisper] [--whisper-threads N]] [--realtime] [--pause MS] | pipeline --whisper-long [--small-model] [--commands N] [--whisper-threads N]";

    /// <summary>
    /// Runs the bench: <c>pipeline [--commands N] [--real [--no-whisper] [--whisper-threads N]]</c>. Without
    /// <c>--real</c> only the synthetic engines (the pipeline's own overhead); with it also the real engines: the
    /// grammar STT and, unless <c>--no-whisper</c>, whisper.cpp on a generated tiny.en-shaped model.
    /// </summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var commands = 20;
        var real = false;
        var whisper = true;
        var whisperLong = false;
        var smallModel = false;
        var threads = 2;
        int? pauseMs = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--commands" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                commands = n;
                i++;
            }
            else if (args[i] == "--whisper-threads" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0)
            {
                threads = t;
                i++;
            }
            else if (args[i] == "--real")
            {
                real = true;
            }
            else if (args[i] == "--no-whisper")
            {
                whisper = false;
            }
            else if (args[i] == "--realtime")
            {
                s_realtime = true;
            }
            else if (args[i] == "--whisper-long")
            {
                whisperLong = true;
            }
            else if (args[i] == "--small-model")
            {
                smallModel = true;
            }
            else if (args[i] == "--pause" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 32 and <= 5000)
            {
                pauseMs = p;
                i++;
            }
            else
            {
                Console.Error.WriteLine($"pipeline bench: unknown option '{args[i]}'; {Usage}");
                return 64;
            }
        }

        if (whisperLong)
        {
            return RunWhisperLong(commands, threads, smallModel);
        }

        var results = new List<PipelineBenchResult> { RunAsync(PipelineBenchEngines.Synthetic(), commands, CancellationToken.None).GetAwaiter().GetResult() };
        var ok = results[0].Completed == commands;
        if (real)
        {
            Console.WriteLine($"end of speech -> first reply audio over {commands} scripted commands (tap, 0.5 s silence, the command spoken by Piper speaker 20, 1 s silence); one warm-up command per row, not counted");
            using var engines = RealPipelineEngines.Load();
            var grammar = engines.Grammar();
            _ = RunAsync(grammar, 1, CancellationToken.None).GetAwaiter().GetResult();
            // The same commands with the speculation and early endpoint off: the turn ends on the silence window (main's behaviour).
            var off = new PipelineOptions { EarlyEndpoint = new EarlyEndpointOptions { Enabled = false } };
            var grammarOff = RunAsync(grammar, commands, CancellationToken.None, off).GetAwaiter().GetResult() with { Name = grammar.Name + " (early endpoint off)" };
            results.Add(grammarOff);
            var grammarResult = RunAsync(grammar, commands, CancellationToken.None).GetAwaiter().GetResult();
            results.Add(grammarResult);
            ok &= grammarResult.Completed == commands && grammarOff.Completed == commands;
            if (pauseMs is { } pause)
            {
                // The same commands with another EarlyEndpoint:Pause, beside the default in the same run.
                var other = new PipelineOptions { EarlyEndpoint = new EarlyEndpointOptions { Pause = TimeSpan.FromMilliseconds(pause) } };
                var pauseResult = RunAsync(grammar, commands, CancellationToken.None, other).GetAwaiter().GetResult() with { Name = string.Create(CultureInfo.InvariantCulture, $"{grammar.Name} (EarlyEndpoint:Pause {pause} ms)") };
                results.Add(pauseResult);
                ok &= pauseResult.Completed == commands;
            }
            if (whisper)
            {
                var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
                Directory.CreateDirectory(dir);
                try
                {
                    var w = engines.Whisper(dir, threads);
                    _ = RunAsync(w, 1, CancellationToken.None).GetAwaiter().GetResult();
                    var whisperResult = RunAsync(w, commands, CancellationToken.None).GetAwaiter().GetResult();
                    results.Add(whisperResult);
                    ok &= whisperResult.Replied == commands; // random weights: every turn ends in the fallback reply
                }
                finally
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }

        Print(Console.Out, results);
        return ok ? 0 : 1;
    }

    /// <summary>
    /// <c>pipeline --whisper-long</c>: whisper's incremental speculation (<c>Pipeline:Speculation</c>) off and on, one
    /// run, over long requests (6-10 s of Piper speech) read at real time (background decodes need the speech's wall
    /// time): end of speech -> final transcript, and the ratio off / on. Whisper is the generated tiny.en-shaped model
    /// with random weights, so the figures are the cost of the mechanism, not of real transcripts.
    /// </summary>
    private static int RunWhisperLong(int commands, int threads, bool small)
    {
        s_realtime = true;
        using var engines = RealPipelineEngines.Load();
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench-long-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        try
        {
            var w = engines.WhisperLong(dir, threads, small);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"whisper long requests: {commands} per row ({RealPipelineEngines.LongRequests.Count} texts by Piper speaker 20, 6-10 s each), microphone at real time, {Environment.ProcessorCount} CPUs; one warm-up request per row, not counted"));
            var off = new PipelineOptions { Speculation = new SpeculationOptions { Incremental = IncrementalSpeculationMode.Off } };
            var on = new PipelineOptions { Speculation = new SpeculationOptions { Incremental = IncrementalSpeculationMode.On } };
            _ = RunAsync(w, 1, CancellationToken.None, off).GetAwaiter().GetResult();
            var offResult = RunAsync(w, commands, CancellationToken.None, off).GetAwaiter().GetResult() with { Name = "whisper, speculation off (whole utterance after the endpoint)" };
            _ = RunAsync(w, 1, CancellationToken.None, on).GetAwaiter().GetResult();
            var onResult = RunAsync(w, commands, CancellationToken.None, on).GetAwaiter().GetResult() with { Name = "whisper, incremental speculation on" };
            Console.WriteLine(w.Name);
            Print(Console.Out, [offResult, onResult]);
            var offMs = Median(offResult.Turns, m => m.EndOfSpeechToTranscriptMs);
            var onMs = Median(onResult.Turns, m => m.EndOfSpeechToTranscriptMs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"EOS->transcript median off {offMs:0.0} ms / on {onMs:0.0} ms = {offMs / Math.Max(onMs, 1):0.00}x (on floored at 1 ms), p95 off {Percentile(offResult.Turns, m => m.EndOfSpeechToTranscriptMs, 0.95):0.0} / on {Percentile(onResult.Turns, m => m.EndOfSpeechToTranscriptMs, 0.95):0.0} ms; on: speech-time decodes per turn median {Median(onResult.Turns, m => m.SpeculativeDecodes):0}, tail decoded at the end median {Median(onResult.Turns, m => m.TailDuration?.TotalMilliseconds):0} ms of utterance {Median(onResult.Turns, m => m.UtteranceDuration.TotalMilliseconds):0} ms, transcript from the pause's guess {onResult.Turns.Count(m => m.SpeculativeTranscript)}/{onResult.Turns.Count}; STT RTF median off {Median(offResult.Turns, m => m.SttRealTimeFactor):0.000}"));
            return offResult.Replied == commands && onResult.Replied == commands ? 0 : 1;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs <paramref name="commands"/> scripted commands through a pipeline on <paramref name="engines"/>.</summary>
    /// <param name="engines">The engines and the command audio.</param>
    /// <param name="commands">Commands to run.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <param name="options">Pipeline options (defaults when null).</param>
    /// <param name="drain">Wait until the microphone has delivered all of a command's audio before the next tap, so
    /// speech left over from a turn that ended early cannot leak into the next command's session.</param>
    public static async Task<PipelineBenchResult> RunAsync(PipelineBenchEngines engines, int commands, CancellationToken cancellationToken, PipelineOptions? options = null, bool drain = false)
    {
        ArgumentNullException.ThrowIfNull(engines);
        var capture = new FeedCapture(s_realtime);
        var playback = new CountingPlayback();
        using var vad = engines.Vad();
        using var pipeline = new VoicePipeline(new PipelineEngines(capture, playback, vad, engines.Stt, engines.Tts, engines.Workflow), options ?? new PipelineOptions());
        using var events = pipeline.Events.Subscribe(1024);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loop = Task.Run(() => pipeline.RunAsync(cts.Token), cts.Token);
        var turns = new List<TurnMetrics>();
        var words = new List<int>();
        var endings = new List<PipelineBenchTurn>();
        var failures = 0;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < commands; i++)
        {
            pipeline.Tap();
            capture.Feed(new float[8000]);
            capture.Feed(engines.CommandAudio(i));
            capture.Feed(new float[16000]);
            await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (e is TurnEndedEvent t)
                {
                    turns.Add(t.Metrics);
                    endings.Add(new PipelineBenchTurn(i, t.Transcript, t.Metrics));
                    words.Add(t.Transcript?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length ?? 0);
                }
                else if (e is SessionEndedEvent s)
                {
                    failures += s.Reason is SessionEndReason.Nominal ? 0 : 1;
                    break;
                }
            }

            while (drain && !capture.Drained)
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }

        wall.Stop();
        await cts.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        words.Sort();
        return new PipelineBenchResult(engines.Name, commands - failures, commands, turns, wall.Elapsed) { MedianTranscriptWords = words.Count == 0 ? 0 : words[words.Count / 2], Endings = endings };
    }

    /// <summary>Prints the table.</summary>
    public static void Print(TextWriter output, IEnumerable<PipelineBenchResult> results)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(results);
        output.WriteLine("| engines | nominal | replied | EOS->transcript ms (median / p95) | EOS->first text ms | EOS->first audio ms | last voice->first audio ms | ended early | STT RTF | TTS RTF | words/transcript | wall s |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Completed}/{r.Commands} | {r.Replied}/{r.Commands} | {Stat(r.Turns, m => m.EndOfSpeechToTranscriptMs)} | {Stat(r.Turns, m => m.EndOfSpeechToFirstReplyTextMs)} | {Stat(r.Turns, m => m.EndOfSpeechToFirstAudioMs)} | {Stat(r.Turns, m => m.LastVoiceToFirstAudioMs)} | {r.Turns.Count(m => m.EarlyEndpoint)}/{r.Turns.Count} | {Median(r.Turns, m => m.SttRealTimeFactor):0.000} | {Median(r.Turns, m => m.TtsRealTimeFactor):0.000} | {r.MedianTranscriptWords} | {r.Wall.TotalSeconds:0.0} |"));
        }
    }

    private static string Stat(List<TurnMetrics> turns, Func<TurnMetrics, double?> pick) =>
        string.Create(CultureInfo.InvariantCulture, $"{Median(turns, pick):0.00} / {Percentile(turns, pick, 0.95):0.00}");

    internal static double Median(List<TurnMetrics> turns, Func<TurnMetrics, double?> pick) => Percentile(turns, pick, 0.5);

    internal static double Percentile(List<TurnMetrics> turns, Func<TurnMetrics, double?> pick, double p)
    {
        var values = turns.Select(pick).Where(v => v.HasValue).Select(v => v!.Value).Order().ToArray();
        if (values.Length == 0)
        {
            return double.NaN;
        }

        // nearest-rank
        var rank = (int)Math.Ceiling(p * values.Length);
        return values[Math.Clamp(rank - 1, 0, values.Length - 1)];
    }

    /// <summary>
    /// With --realtime the queued audio is read at real time (a live microphone), so the figures measured from the last
    /// voiced sample hold in wall time and a speculation races the silence window as it would on the device.
    /// </summary>
    internal static bool Realtime { get => s_realtime; set => s_realtime = value; }

    private static bool s_realtime;

    private sealed class FeedCapture(bool realtime) : IAudioCapture
    {
        private readonly Channel<float[]> _queue = Channel.CreateUnbounded<float[]>();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _delivered;
        private float[]? _current;
        private int _offset;
        private bool _fed;

        public int SampleRate => 16000;

        public long DroppedSamples => 0;

        public void Feed(float[] audio) => _queue.Writer.TryWrite(audio);

        /// <summary>Everything fed has been read (the reader is on the silence it makes up itself).</summary>
        public bool Drained => _queue.Reader.Count == 0 && (!_fed || _offset >= _current!.Length);

        public async ValueTask<bool> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
        {
            var filled = 0;
            while (filled < destination.Length)
            {
                if (_current is null || _offset >= _current.Length)
                {
                    _fed = _queue.Reader.TryRead(out _current);
                    if (!_fed)
                    {
                        // nothing queued: the microphone hears silence (paced at 10x real time)
                        await Task.Delay(3, cancellationToken).ConfigureAwait(false);
                        _current = new float[512];
                    }

                    _offset = 0;
                    continue;
                }

                var n = Math.Min(destination.Length - filled, _current.Length - _offset);
                _current.AsSpan(_offset, n).CopyTo(destination.Span[filled..]);
                _offset += n;
                filled += n;
            }

            if (realtime)
            {
                _delivered += filled;
                var ahead = TimeSpan.FromSeconds(_delivered / 16000.0) - _clock.Elapsed;
                if (ahead > TimeSpan.Zero)
                {
                    await Task.Delay(ahead, cancellationToken).ConfigureAwait(false);
                }
                else if (ahead < TimeSpan.FromSeconds(-0.5))
                {
                    _delivered = (long)(_clock.Elapsed.TotalSeconds * 16000); // idle gaps do not bank time
                }
            }

            return true;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class CountingPlayback : IAudioPlayback
    {
        public int Volume { get; set; } = 50;

        public TimeSpan PlayedPosition => TimeSpan.Zero;

        public ValueTask WriteAsync(ReadOnlyMemory<float> samples, int sampleRate, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DrainAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask FadeOutAsync(TimeSpan duration, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void StopImmediately()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>One row of the pipeline bench.</summary>
/// <param name="Name">Engines.</param>
/// <param name="Completed">Commands that ended nominally.</param>
/// <param name="Commands">Commands run.</param>
/// <param name="Turns">Per-turn metrics.</param>
/// <param name="Wall">Wall time of the run.</param>
public sealed record PipelineBenchResult(string Name, int Completed, int Commands, List<TurnMetrics> Turns, TimeSpan Wall)
{
    /// <summary>Median words per final transcript (what the STT cost was spent on).</summary>
    public int MedianTranscriptWords { get; init; }

    /// <summary>Every turn with the index of the scripted command it came from (a command cut short may make two).</summary>
    public IReadOnlyList<PipelineBenchTurn> Endings { get; init; } = [];

    /// <summary>Turns whose reply reached the speaker.</summary>
    public int Replied => Turns.Count(t => t.EndOfSpeechToFirstAudioMs.HasValue);
}

/// <summary>The intents the scripted commands use.</summary>
internal static class BenchIntents
{
    public static IntentOptions Options { get; } = new()
    {
        Intents =
        [
            new IntentDefinition { Name = "Light", Sentences = ["turn (on|off){state} the (kitchen|bedroom){room} light"], Reply = "Turning {state} the {room} light." },
            new IntentDefinition { Name = "Time", Sentences = ["what time is it"], Reply = "It is {time}. Have a nice day." },
            new IntentDefinition { Name = "Volume", Sentences = ["set the volume to (0..100){level} percent"], Reply = "Volume set to {level} percent." },
            new IntentDefinition { Name = "Timer", Sentences = ["set a timer for (1..60){minutes} minutes"], Reply = "Timer set for {minutes} minutes." },
        ],
    };
}

/// <summary>A frame-energy VAD: RMS above -30 dBFS is speech.</summary>
internal sealed class EnergyVad : IVoiceActivityDetector
{
    public int SampleRate => 16000;

    public int WindowSamples => 512;

    public float Process(ReadOnlySpan<float> window)
    {
        var sum = 0f;
        foreach (var x in window)
        {
            sum += x * x;
        }

        var rms = MathF.Sqrt(sum / window.Length);
        return rms > 0.0316f ? 0.95f : 0.05f;
    }

    public void Reset()
    {
    }

    public void Dispose()
    {
    }
}

/// <summary>An STT that returns the scripted command (no recognition cost).</summary>
internal sealed class ScriptedStt : ISpeechToText
{
    public string Name => "scripted";

    public string Next { get; set; } = string.Empty;

    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return new TranscriptSegment(Next, TimeSpan.Zero, TimeSpan.FromSeconds(audio.Length / 16000.0), float.NaN);
    }
}

/// <summary>A TTS producing a tone per sentence (10 ms per character) at 22050 Hz.</summary>
internal sealed class ToneTts : ITextToSpeech
{
    public string Name => "tone";

    public int SampleRate => 22050;

    public async IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        var samples = new float[SampleRate * text.Length / 100];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = 0.3f * MathF.Sin(2 * MathF.PI * 440 * i / SampleRate);
        }

        yield return new AudioChunk(samples, SampleRate, 0, text);
    }
}
