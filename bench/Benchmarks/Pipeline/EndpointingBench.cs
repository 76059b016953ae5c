using System.Globalization;
using VoiceAppliance.Benchmarks.Grammar;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Benchmarks.Pipeline;

/// <summary>
/// <c>./build.sh bench endpointing [--realtime]</c> (issue 17, item 5): commands with a hesitation inside them
/// ("set a timer for ... ten minutes", 300/450/600 ms of silence) and plain commands, spoken by several Piper
/// speakers and espeak-ng, through the real pipeline (Silero v5, grammar STT, intents, Piper) with the early
/// endpoint on. Reports the hesitations understood whole, the false early cuts (a turn that ended before the user
/// finished: its utterance stops before the command's last word, or the command made more than one turn), and
/// last voiced sample -> first reply audio for the plain commands of the same run.
/// </summary>
public static class EndpointingBench
{
    /// <summary>Commands split where the user hesitates (all in config/intents.json's grammar; the grammar has no
    /// trailing "please", so "turn on the kitchen light ... please" is not in the set).</summary>
    internal static readonly (string Before, string After)[] Hesitations =
    [
        ("set a timer for", "ten minutes"),
        ("turn off the", "kitchen light"),
        ("set the volume to forty", "five percent"),
        ("turn on the", "bedroom lights"),
        ("set the volume to", "seventy percent"),
    ];

    /// <summary>Plain commands of the same run (the latency figure).</summary>
    internal static readonly string[] Plain =
    [
        "turn on the kitchen light", "what time is it", "set the volume to forty percent", "turn off the bedroom light",
        "set a timer for five minutes",
    ];

    internal static readonly int[] PausesMs = [300, 450, 600];

    // Piper speakers (libritts_r-medium is multi-speaker) and an espeak-ng voice; 20 is the demo's user.
    private static readonly string[] Voices = ["piper:20", "piper:100", "piper:400", "espeak:en-us"];

    private const string Usage = "usage: endpointing [--realtime] [--trace] [--pause MS] (--trace: every guess taken in a pause, to stderr; --pause: EarlyEndpoint:Pause, default 150)";

    /// <summary>Entry point.</summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        PipelineOptions? options = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--pause" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var pause) && pause is >= 32 and <= 5000)
            {
                options = new PipelineOptions { EarlyEndpoint = new EarlyEndpointOptions { Pause = TimeSpan.FromMilliseconds(pause) } };
                i++;
            }
            else if (args[i] is not "--realtime" and not "--trace")
            {
                Console.Error.WriteLine($"endpointing bench: unknown option '{args[i]}'; {Usage}");
                return 64;
            }
        }

        if (args.Contains("--realtime"))
        {
            PipelineBench.Realtime = true;
        }

        using var engines = RealPipelineEngines.Load();
        var dir = Directory.CreateTempSubdirectory("endpointing-bench").FullName;
        try
        {
            var script = new List<(string Voice, string Text, int PauseMs, float[] Audio, double LastWordEnd, double FirstPart)>();
            foreach (var voice in Voices)
            {
                foreach (var text in Plain)
                {
                    var a = BenchSpeech.SpeakTrimmed(engines.Voice, dir, voice, text);
                    script.Add((voice, text, 0, a, a.Length / 16000.0, a.Length / 16000.0));
                }

                foreach (var (before, after) in Hesitations)
                {
                    var first = BenchSpeech.SpeakTrimmed(engines.Voice, dir, voice, before);
                    var second = BenchSpeech.SpeakTrimmed(engines.Voice, dir, voice, after);
                    foreach (var pause in PausesMs)
                    {
                        var audio = new float[first.Length + (pause * 16) + second.Length];
                        first.CopyTo(audio, 0);
                        second.CopyTo(audio, first.Length + (pause * 16));
                        script.Add((voice, before + " " + after, pause, audio, audio.Length / 16000.0, first.Length / 16000.0));
                    }
                }
            }

            var grammar = engines.Grammar() with { CommandAudio = i => script[i].Audio };
            if (args.Contains("--trace"))
            {
                grammar = grammar with { Stt = new GuessTracer((ISpeculativeSpeechToText)grammar.Stt) };
            }

            var recognizer = ((IntentWorkflow)grammar.Workflow).Recognizer;
            string Meaning(string? text) => BenchSpeech.Meaning(recognizer, text);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{script.Count} commands ({script.Count(s => s.PauseMs > 0)} with a hesitation of {string.Join("/", PausesMs)} ms, {script.Count(s => s.PauseMs == 0)} plain), voices {string.Join(", ", Voices)}; microphone {(PipelineBench.Realtime ? "at real time" : "as fast as read")}; early endpoint on ({(options is null ? "defaults" : string.Create(CultureInfo.InvariantCulture, $"Pause {options.EarlyEndpoint.Pause.TotalMilliseconds:0} ms"))}); one warm-up command, not counted"));
            _ = PipelineBench.RunAsync(engines.Grammar(), 1, CancellationToken.None).GetAwaiter().GetResult();
            var result = PipelineBench.RunAsync(grammar, script.Count, CancellationToken.None, options, drain: true).GetAwaiter().GetResult();

            int hesitations = 0, whole = 0, cuts = 0, hesitationCuts = 0, plainUnderstood = 0, inLastSound = 0;
            var plainTurns = new List<VoiceAppliance.Pipeline.TurnMetrics>();
            var lines = new List<string>();
            for (var i = 0; i < script.Count; i++)
            {
                var (voice, text, pause, _, lastWordEnd, firstPart) = script[i];
                var turns = result.Endings.Where(t => t.Command == i).ToList();

                // The utterance handed to the STT holds prefix padding, the speech and the trailing silence: one that
                // is shorter than the command's own audio ended before the file's last sound did. That is a cut unless
                // the turn still heard the whole command: the file's last sound (anything above 0.01 of full scale) can
                // be a tail of breath or noise after the last word that Silero does not call speech, and a turn that
                // ends there and means what the user said lost no word (counted apart, "ended in the last sound").
                var wholeMeaning = turns.Count == 1 && Meaning(turns[0].Transcript) == Meaning(text);
                var beforeLastSound = turns.Count == 1 && turns[0].Metrics.UtteranceDuration.TotalSeconds < lastWordEnd;
                var cut = turns.Count != 1 || (beforeLastSound && !wholeMeaning);
                var understood = turns.Count == 1 && !cut && wholeMeaning;
                inLastSound += beforeLastSound && !cut ? 1 : 0;
                if (pause == 0)
                {
                    plainUnderstood += understood ? 1 : 0;
                    plainTurns.AddRange(turns.Take(1).Select(t => t.Metrics));
                }
                else
                {
                    hesitations++;
                    whole += understood ? 1 : 0;
                    hesitationCuts += cut ? 1 : 0;
                }

                cuts += cut ? 1 : 0;
                if (!understood || cut || beforeLastSound)
                {
                    var got = string.Join(" | ", turns.Select(t => string.Create(CultureInfo.InvariantCulture, $"'{t.Transcript}' utterance {t.Metrics.UtteranceDuration.TotalSeconds:0.00} s, {t.Metrics.UtteranceEnd}{(t.Metrics.PauseExtended ? ", pause extended" : string.Empty)}")));
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"  {(cut ? "CUT " : understood ? "tail" : "miss")} {voice,-13} {pause,3} ms '{text}' ({(pause > 0 ? FormattableString.Invariant($"{firstPart:0.00} s + {pause} ms + {lastWordEnd - firstPart - (pause / 1000.0):0.00} s = ") : string.Empty)}{lastWordEnd:0.00} s) -> {(turns.Count == 0 ? "no turn" : got)}"));
                }
            }

            Console.WriteLine();
            Console.WriteLine("| set | commands | understood whole | false early cuts | last voice->first audio ms (median / p95) | ended early |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| hesitations {string.Join("/", PausesMs)} ms | {hesitations} | {whole}/{hesitations} ({whole / (double)hesitations:P1}) | {hesitationCuts}/{hesitations} ({hesitationCuts / (double)hesitations:P1}) | | |"));
            var plainCount = script.Count - hesitations;
            var plainCuts = cuts - hesitationCuts;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| plain | {plainCount} | {plainUnderstood}/{plainCount} ({plainUnderstood / (double)plainCount:P1}) | {plainCuts}/{plainCount} | {PipelineBench.Median(plainTurns, m => m.LastVoiceToFirstAudioMs):0} / {PipelineBench.Percentile(plainTurns, m => m.LastVoiceToFirstAudioMs, 0.95):0} | {plainTurns.Count(m => m.EarlyEndpoint)}/{plainTurns.Count} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| all | {script.Count} | | {cuts}/{script.Count} ({cuts / (double)script.Count:P1}) | | |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Ended in the file's last sound with every word heard (not a cut, listed as 'tail'): {inLastSound}/{script.Count}."));
            Console.WriteLine();
            foreach (var l in lines)
            {
                Console.WriteLine(l);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Writes every guess taken in a pause to stderr (the best path, its confidence, where its last word starts).</summary>
    private sealed class GuessTracer(ISpeculativeSpeechToText inner) : ISpeculativeSpeechToText
    {
        public string Name => inner.Name;

        public bool TranscribesSpeculatively => inner.TranscribesSpeculatively;

        public IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken) => inner.TranscribeAsync(audio, cancellationToken);

        public async Task<SpeechGuess> GuessAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken)
        {
            var g = await inner.GuessAsync(audio, cancellationToken).ConfigureAwait(false);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"guess of {audio.Length / 16000.0:0.00} s: path '{g.BestPath}' ({g.BestPathConfidence:0.00}, {(g.Text.Length > 0 ? "accepted" : "refused")}{(g.Unfinished ? ", unfinished" : string.Empty)}), last word from {g.LastWordStart?.TotalSeconds:0.00} s"));
            return g;
        }
    }
}
