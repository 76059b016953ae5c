using System.Globalization;
using VoiceAppliance.Benchmarks.Pipeline;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Benchmarks.Grammar;

/// <summary>
/// <c>./build.sh bench hesitation [--verbose] [--espeak-only] [--keep DIR]</c> (issue 17): the hesitations of <c>bench endpointing</c> (two parts
/// synthesised separately, joined by 300/450/600 ms of exact zeros, framed by zeros as the pipeline's utterance is)
/// decoded by the grammar STT directly, beside the same parts joined with no pause and joined by a room noise floor
/// instead of zeros, and bare <c>pocketsphinx_batch -jsgf</c> on the same files. Recognition only: no VAD, no
/// endpointing, so a miss here is the recogniser's. Voices: those of bench endpointing plus the tuning set's other
/// espeak-ng voices. espeak-ng's files go through sox's default dither, so they differ by a few LSB from run to run.
/// </summary>
public static class HesitationBench
{
    private static readonly string[] Voices = ["piper:20", "piper:100", "piper:400", "espeak:en-us", "espeak:en-us+m3", "espeak:en-us+f3", "espeak:en"];

    /// <summary>Entry point.</summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var verbose = false;
        var espeakOnly = false;
        string? keep = null;
        for (var a = 0; a < args.Length; a++)
        {
            if (args[a] == "--verbose")
            {
                verbose = true;
            }
            else if (args[a] == "--espeak-only")
            {
                espeakOnly = true;
            }
            else if (args[a] == "--keep" && a + 1 < args.Length)
            {
                keep = args[++a];
            }
            else
            {
                Console.Error.WriteLine($"hesitation bench: unknown option '{args[a]}'; usage: hesitation [--verbose] [--espeak-only] [--keep DIR (the files, the JSGF and bare.hyp stay there)]");
                return 64;
            }
        }

        var (jsgf, recognizer) = BenchSpeech.LoadGrammar();

        string Meaning(string text) => BenchSpeech.Meaning(recognizer, text);

        var dir = keep ?? Directory.CreateTempSubdirectory("hesitation-bench").FullName;
        Directory.CreateDirectory(dir);
        try
        {
            var options = new GrammarOptions();
            var grammarFile = Path.Combine(dir, "commands.gram");
            File.WriteAllText(grammarFile, jsgf);
            var piper = SpeechSamples.Voice();
            var files = new List<(string Variant, string Voice, string Text, int PauseMs, string Id, float[] Audio)>();
            foreach (var voice in Voices.Where(v => !espeakOnly || v.StartsWith("espeak", StringComparison.Ordinal)))
            {
                foreach (var (before, after) in EndpointingBench.Hesitations)
                {
                    var first = BenchSpeech.SpeakTrimmed(piper, dir, voice, before);
                    var second = BenchSpeech.SpeakTrimmed(piper, dir, voice, after);
                    foreach (var pause in EndpointingBench.PausesMs.Prepend(0))
                    {
                        foreach (var variant in pause == 0 ? ["joined"] : new[] { "zeros", "floor" })
                        {
                            var audio = Join(first, second, pause, variant == "floor");
                            var id = string.Create(CultureInfo.InvariantCulture, $"h{files.Count:0000}");
                            HeldOutBench.WriteWav(Path.Combine(dir, id + ".wav"), audio);
                            files.Add((variant, voice, before + " " + after, pause, id, audio));
                        }
                    }
                }
            }

            var ctl = Path.Combine(dir, "files.ctl");
            File.WriteAllLines(ctl, files.Select(f => f.Id));
            var hypFile = Path.Combine(dir, "bare.hyp");
            string[] bareArgs = ["-hmm", options.AcousticModel, "-dict", options.Dictionary, "-jsgf", grammarFile, "-ctl", ctl, "-cepdir", dir, "-cepext", ".wav", "-adcin", "yes", "-adchdr", "44", "-samprate", "16000", "-hyp", hypFile, "-logfn", Path.Combine(dir, "bare.log")];
            var bareOk = BenchTools.Exec("pocketsphinx_batch", bareArgs, out var bareError);
            var bare = new Dictionary<string, string>(StringComparer.Ordinal);
            if (bareOk && File.Exists(hypFile))
            {
                foreach (var line in File.ReadLines(hypFile))
                {
                    if (HeldOutBench.HypLine().Match(line) is { Success: true } m)
                    {
                        bare[m.Groups["id"].Value] = m.Groups["text"].Value.Trim();
                    }
                }
            }
            else
            {
                Console.WriteLine($"pocketsphinx_batch failed ({bareError.Trim()}): bare column empty");
            }

            using var engine = new GrammarSpeechToText(jsgf, options);
            var rows = new List<(string Variant, string Voice, int PauseMs, bool Understood, bool Accepted, bool BareUnderstood)>();
            foreach (var f in files)
            {
                var r = engine.Recognize(f.Audio);
                var understood = r.Accepted && Meaning(r.Text) == Meaning(f.Text);
                var bareText = bare.GetValueOrDefault(f.Id, string.Empty);
                var bareUnderstood = bareText.Length > 0 && Meaning(bareText) == Meaning(f.Text);
                rows.Add((f.Variant, f.Voice, f.PauseMs, understood, r.Accepted, bareUnderstood));
                if (verbose || !understood)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {(understood ? "ok  " : r.Accepted ? "WRONG" : "rej ")} {f.Variant,-6} {f.Voice,-16} {f.PauseMs,3} ms '{f.Text}' -> '{r.Text}' {r.Confidence:0.000} (raw {MathF.Exp(engine.LastScore.RawLogRatio):0.000}, fit {engine.LastScore.VoiceFit:0.00}, unexplained {r.UnexplainedSpeech:0.00}{(engine.LastScore.Widened ? ", widened" : string.Empty)}) | bare '{bareText}'"));
                }
            }

            Console.WriteLine();
            Console.WriteLine("| variant | voices | understood | wrongly accepted | rejected | bare pocketsphinx understood |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|");
            foreach (var g in rows.GroupBy(r => (r.Variant, Espeak: r.Voice.StartsWith("espeak", StringComparison.Ordinal))))
            {
                var n = g.Count();
                var ok = g.Count(r => r.Understood);
                var wrong = g.Count(r => r.Accepted && !r.Understood);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {g.Key.Variant} | {(g.Key.Espeak ? "espeak-ng" : "Piper")} | {ok}/{n} | {wrong} | {n - ok - wrong} | {g.Count(r => r.BareUnderstood)}/{n} |"));
            }

            return 0;
        }
        finally
        {
            if (keep is null)
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>
    /// 0.3 s before, <paramref name="first"/>, the pause, <paramref name="second"/>, 0.7 s after: exact zeros (the
    /// endpointing bench's microphone), or with <paramref name="floor"/> a room's noise floor (brown noise, about
    /// -60 dBFS RMS) over the whole utterance.
    /// </summary>
    internal static float[] Join(float[] first, float[] second, int pauseMs, bool floor)
    {
        var lead = (int)(0.3 * 16000);
        var audio = new float[lead + first.Length + (pauseMs * 16) + second.Length + (int)(0.7 * 16000)];
        first.CopyTo(audio, lead);
        second.CopyTo(audio, lead + first.Length + (pauseMs * 16));
        if (floor)
        {
            var random = new Random(pauseMs + first.Length);
            double brown = 0;
            for (var i = 0; i < audio.Length; i++)
            {
                brown = (0.98 * brown) + (random.NextDouble() - 0.5);
                audio[i] += (float)(brown * 0.0002);
            }
        }

        return audio;
    }

}
