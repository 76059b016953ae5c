using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Benchmarks.Grammar;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Benchmarks.Pipeline;

/// <summary>
/// <c>./build.sh bench pause-guesses</c> (issue 17): what the guess taken in a pause means for the silence window,
/// without the pipeline's timing. Each phrase (the hesitation bench's command beginnings, whole commands, and speech
/// outside the grammar; Piper libritts_r speakers and espeak-ng voices) is put in a -54 dBFS noise floor, run through
/// Silero v5 as the endpointer runs it until the silence after the speech lasts <c>EarlyEndpoint:Pause</c> (the default, or <c>--pause MS</c>),
/// and the utterance so far (with 0.3 s of prefix padding) is guessed by the grammar STT, as in a pause. The verdict
/// (<see cref="PauseGuessJudgement.Judge"/>) is counted with and without the forced-last-word rule
/// (<see cref="SpeculativeTranscript.SpokenPrefix"/>), with the guess's decode time.
/// </summary>
public static class PauseGuessBench
{
    private static readonly string[] Voices = ["piper:20", "piper:100", "piper:400", "piper:600", "espeak:en-us", "espeak:en-us+f3", "espeak:en-gb", "espeak:en-us+m3"];

    /// <summary>Entry point.</summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var early = new EarlyEndpointOptions();
        if (args is ["--pause", var value] && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is >= 32 and <= 5000)
        {
            early = early with { Pause = TimeSpan.FromMilliseconds(ms) };
        }
        else if (args.Length > 0)
        {
            Console.Error.WriteLine($"pause-guesses bench: unknown option '{string.Join(' ', args)}'; usage: pause-guesses [--pause MS] (EarlyEndpoint:Pause, 32-5000)");
            return 64;
        }

        using var engines = RealPipelineEngines.Load();
        var grammar = engines.Grammar();
        var stt = (ISpeculativeSpeechToText)grammar.Stt;
        var endpointing = new EndpointingOptions();
        var sets = new (string Name, string[] Texts)[]
        {
            ("command beginnings (a hesitation follows)", [.. EndpointingBench.Hesitations.Select(h => h.Before).Distinct()]),
            ("whole commands", [.. GrammarRejectionBench.Commands.Concat(EndpointingBench.Plain).Distinct()]),
            ("speech outside the grammar", GrammarRejectionBench.OtherSpeech),
        };
        var dir = Directory.CreateTempSubdirectory("pause-guesses").FullName;
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"voices {string.Join(", ", Voices)}; guess after {early.Pause.TotalMilliseconds:0} ms of silence; verdicts without -> with the forced-last-word rule (tolerance {PauseGuessJudgement.Tolerance.TotalMilliseconds:0} ms, path confidence >= {PauseGuessJudgement.MinPathConfidence})"));
            Console.WriteLine();
            Console.WriteLine("| set | guesses | end now | unfinished | continuable | window | verdicts changed | guess ms (median / p95) |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            var changes = new List<string>();
            var random = new Random(7);
            foreach (var (name, texts) in sets)
            {
                var before = new int[4];
                var after = new int[4];
                var times = new List<double>();
                var changed = 0;
                foreach (var voice in Voices)
                {
                    foreach (var text in texts)
                    {
                        var audio = InNoise(BenchSpeech.SpeakTrimmed(engines.Voice, dir, voice, text), random);
                        var pause = PauseAt(grammar.Vad, audio, endpointing, early);
                        if (pause is not { } p)
                        {
                            changes.Add($"  no pause heard: {voice} '{text}'");
                            continue;
                        }

                        var padding = (int)(endpointing.PrefixPadding.TotalSeconds * 16000);
                        var start = Math.Max(0, LeadSamples - padding);
                        var started = Stopwatch.GetTimestamp();
                        var guess = stt.GuessAsync(audio.AsMemory(start, p.End - start), CancellationToken.None).GetAwaiter().GetResult();
                        times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        var lastVoiced = TimeSpan.FromSeconds((p.End - p.Silence - start) / 16000.0);
                        var plain = new SpeculativeTranscript(guess.Text.Trim(), guess.Confidence, TimeSpan.Zero, guess.Unfinished);
                        var judged = plain with { SpokenPrefix = PauseGuessJudgement.SpokenPrefix(guess, lastVoiced) };
                        var was = PauseGuessJudgement.Judge(plain, early, grammar.Workflow.Completeness);
                        var now = PauseGuessJudgement.Judge(judged, early, grammar.Workflow.Completeness);
                        before[(int)was]++;
                        after[(int)now]++;
                        if (was != now)
                        {
                            changed++;
                            changes.Add(string.Create(CultureInfo.InvariantCulture, $"  {name}: {voice} '{text}' -> path '{guess.BestPath}' ({guess.BestPathConfidence:0.00}{(guess.Text.Length > 0 ? ", accepted" : ", refused")}), last word {(guess.LastWordStart!.Value - lastVoiced).TotalMilliseconds:0} ms from the last voiced frame: {was} -> {now}"));
                        }
                    }
                }

                string Cell(PauseVerdict v) => before[(int)v] == after[(int)v] ? $"{after[(int)v]}" : $"{before[(int)v]} -> {after[(int)v]}";
                times.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {times.Count} | {Cell(PauseVerdict.EndNow)} | {Cell(PauseVerdict.Unfinished)} | {Cell(PauseVerdict.Continuable)} | {Cell(PauseVerdict.Window)} | {changed} | {times[times.Count / 2]:0} / {times[(int)Math.Min(times.Count - 1, Math.Ceiling(0.95 * times.Count) - 1)]:0} |"));
            }

            Console.WriteLine();
            foreach (var c in changes)
            {
                Console.WriteLine(c);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private const int LeadSamples = 8000;

    /// <summary>The speech at 0.7 gain after 0.5 s and before 1 s of a -54 dBFS uniform noise floor (as the scripted recordings).</summary>
    private static float[] InNoise(float[] speech, Random random)
    {
        var audio = new float[LeadSamples + speech.Length + 16000];
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] = (float)((random.NextDouble() * 2) - 1) * 0.002f;
        }

        for (var i = 0; i < speech.Length; i++)
        {
            audio[LeadSamples + i] += speech[i] * 0.7f;
        }

        return audio;
    }

    /// <summary>
    /// Where the endpointer would take the pause's guess: Silero over 512-sample windows with the endpointer's
    /// thresholds, speech confirmed after MinSpeech, the first silence run after it that reaches the pause. Returns the
    /// sample where the guess is taken and the silence run's length, or null when no such pause came.
    /// </summary>
    private static (int End, int Silence)? PauseAt(Func<IVoiceActivityDetector> newVad, float[] audio, EndpointingOptions endpointing, EarlyEndpointOptions early)
    {
        using var vad = newVad();
        var window = vad.WindowSamples;
        var minSpeech = endpointing.MinSpeech.TotalSeconds * 16000;
        var pause = early.Pause.TotalSeconds * 16000;
        int speechRun = 0, silenceRun = 0;
        var inSpeech = false;
        for (var offset = 0; offset + window <= audio.Length; offset += window)
        {
            var p = vad.Process(audio.AsSpan(offset, window));
            if (p >= endpointing.SpeechThreshold)
            {
                speechRun += window;
                silenceRun = 0;
                inSpeech |= speechRun >= minSpeech;
            }
            else if (p < endpointing.SilenceThreshold)
            {
                speechRun = 0;
                silenceRun += window;
                if (inSpeech && silenceRun >= pause)
                {
                    return (offset + window, silenceRun);
                }
            }
            else if (inSpeech)
            {
                silenceRun = 0;
            }
        }

        return null;
    }

}
