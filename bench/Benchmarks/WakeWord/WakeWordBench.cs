using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Vad;
using VoiceAppliance.Models.WakeWord;

namespace VoiceAppliance.Benchmarks.WakeWord;

/// <summary>
/// <c>./build.sh bench wake [--quick]</c>: the openWakeWord chain (models/openwakeword) on synthesised speech.
/// Detection rate of "hey jarvis" and "alexa" across Piper speakers and espeak-ng voices, alone and run on into a
/// command, clean and at 20/10 dB SNR (white noise), with each clip's highest score for the threshold curve; false
/// accepts per hour on an hour of non-wake audio (Piper and espeak-ng monologues from many voices, the device's own
/// replies, noise, tones and chords) with the threshold curve; where the detection lands against the word's end
/// (wake-to-listening latency: the session starts in the same window); CPU per second of audio for the feature chain,
/// each classifier and Silero; RSS added by loading the chain.
/// </summary>
public static partial class WakeWordBench
{
    private static readonly float[] Thresholds = [0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f];

    /// <summary>Entry point.</summary>
    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var root = BenchTools.Root();
        var dir = Path.Combine(root, "models", "openwakeword");
        if (!File.Exists(Path.Combine(dir, "hey_jarvis_v0.1.onnx")))
        {
            Console.Error.WriteLine("models/openwakeword is missing: run ./build.sh provision");
            return 69;
        }

        var rssBefore = Rss();
        using var features = WakeWordFeatureModels.LoadFromDirectory(dir);
        using var jarvis = WakeWordModel.Load(Path.Combine(dir, "hey_jarvis_v0.1.onnx"));
        using var alexa = WakeWordModel.Load(Path.Combine(dir, "alexa_v0.1.onnx"));
        using var detector = new WakeWordDetector(features, [new(jarvis), new(alexa)], TimeSpan.FromSeconds(2));
        ReadOnlySpan<float> warm = new float[16000];
        while (detector.Process(ref warm))
        {
        }

        var rssAfter = Rss();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RSS added by the feature models, two classifiers and a detector (after 1 s of audio): {(rssAfter - rssBefore) / 1048576.0:F1} MB"));

        var temp = Directory.CreateTempSubdirectory("wake-bench").FullName;
        try
        {
            var piper = SpeechSamples.Voice();
            var speakers = quick ? new[] { 0, 20, 300, 700 } : Enumerable.Range(0, 40).Select(i => i * 22).ToArray();
            string[] espeakVoices = quick ? ["en-us"] : ["en-us", "en-us+m3", "en-us+f2", "en-us+f4", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp"];
            Positives(detector, piper, speakers, espeakVoices, temp);
            Negatives(detector, piper, quick, temp);
            Cpu(features, jarvis, alexa, piper);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }

        return 0;
    }

    private static void Positives(WakeWordDetector detector, PiperTts piper, int[] speakers, string[] espeakVoices, string temp)
    {
        (string Word, int Index, string Alone, string RunOn)[] words =
        [
            ("hey_jarvis", 0, "Hey Jarvis.", "Hey Jarvis, turn on the kitchen light."),
            ("alexa", 1, "Alexa.", "Alexa, what time is it?"),
        ];
        var clips = new List<(string Word, int Index, string Kind, string Voice, float[] Audio, long SpeechEnd)>();
        foreach (var w in words)
        {
            foreach (var (kind, text) in new[] { ("alone", w.Alone), ("run-on", w.RunOn) })
            {
                foreach (var s in speakers)
                {
                    var audio = AudioResampler.Resample(piper.Synthesize(text, new SynthesisOptions { Speaker = s, SentenceSilence = TimeSpan.Zero }), piper.SampleRate, 16000);
                    clips.Add((w.Word, w.Index, kind, $"piper:{s}", audio, WordEnd(audio)));
                }

                foreach (var v in espeakVoices)
                {
                    if (Espeak(temp, v, text) is { } audio)
                    {
                        clips.Add((w.Word, w.Index, kind, $"espeak:{v}", audio, WordEnd(audio)));
                    }
                }
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"positives: {clips.Count} clips per condition ({speakers.Length} Piper speakers + {espeakVoices.Length} espeak-ng voices; each word alone and run on into a command)"));
        Console.WriteLine("| word | spoken | condition | detected at 0.5 | misses | detection at 0.3 / 0.4 / 0.6 / 0.7 / 0.8 / 0.9 |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var lateness = new List<double>();
        var random = new Random(11);
        foreach (var snr in new double?[] { null, 20, 10 })
        {
            var results = new List<(string Word, string Kind, string Voice, float Max, long? At, long SpeechEnd)>();
            foreach (var c in clips)
            {
                var audio = Frame(c.Audio, snr, random);
                detector.Reset();
                var max = 0f;
                long? at = null;
                ReadOnlySpan<float> rest = audio;
                while (detector.Process(ref rest))
                {
                    max = Math.Max(max, detector.Scores[c.Index]);
                    foreach (var d in detector.Detections)
                    {
                        if (d.Index == c.Index && at is null)
                        {
                            at = d.EndSample - LeadSamples;
                        }
                    }
                }

                results.Add((c.Word, c.Kind, c.Voice, max, at, c.SpeechEnd));
                if (snr is null && c.Kind == "alone" && at is { } a)
                {
                    lateness.Add((a - c.SpeechEnd) / 16.0);
                }
            }

            var condition = snr is null ? "clean" : $"{snr} dB SNR";
            foreach (var group in results.GroupBy(r => (r.Word, r.Kind)))
            {
                var n = group.Count();
                var hit = group.Count(r => r.At is not null);
                var misses = string.Join(" ", group.Where(r => r.At is null).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Voice}({r.Max:0.00})")).Take(6));
                var curve = string.Join(" / ", Thresholds.Where(t => t != 0.5f).Select(t => string.Create(CultureInfo.InvariantCulture, $"{100.0 * group.Count(r => r.Max >= t) / n:0}")));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {group.Key.Word} | {group.Key.Kind} | {condition} | {hit}/{n} = {100.0 * hit / n:0.0} % | {misses}{(n - hit > 6 ? " ..." : string.Empty)} | {curve} % |"));
            }
        }

        lateness.Sort();
        if (lateness.Count > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"detection against the end of the word's last sound (clean, word alone; negative = before it ends): median {Percentile(lateness, 0.5):0} ms, p10 {Percentile(lateness, 0.1):0} ms, p90 {Percentile(lateness, 0.9):0} ms, max {lateness[^1]:0} ms (n = {lateness.Count}); the session starts in the window that completes the detecting frame"));
        }
    }

    private static void Negatives(WakeWordDetector detector, PiperTts piper, bool quick, string temp)
    {
        var sentences = Sentences(Path.Combine("/usr/share/common-licenses", "GPL-3"))
            .Concat(Sentences(Path.Combine(BenchTools.Root(), "README.md")))
            .Where(s => !s.Contains("jarvis", StringComparison.OrdinalIgnoreCase) && !s.Contains("alexa", StringComparison.OrdinalIgnoreCase))
            .ToList();
        var parts = new List<(string Kind, float[] Audio)>();
        var random = new Random(5);
        double Seconds(string kind) => parts.Where(p => p.Kind == kind).Sum(p => p.Audio.Length) / 16000.0;

        // Piper monologues: one speaker per paragraph of a few sentences.
        var piperTarget = quick ? 60 : 600;
        var next = 0;
        for (var speaker = 5; Seconds("piper monologues") < piperTarget; speaker = (speaker + 37) % 904)
        {
            var text = string.Join(" ", Enumerable.Range(0, 4).Select(_ => sentences[next++ % sentences.Count]));
            var audio = AudioResampler.Resample(piper.Synthesize(text, new SynthesisOptions { Speaker = speaker }), piper.SampleRate, 16000);
            parts.Add(("piper monologues", audio));
        }

        // espeak-ng monologues: cheap, so most of the hour; voices and speeds vary.
        string[] voices = ["en-us", "en-us+m1", "en-us+m3", "en-us+m5", "en-us+f1", "en-us+f3", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-gb-x-gbclan"];
        var espeakTarget = quick ? 60 : 1800;
        for (var v = 0; Seconds("espeak-ng monologues") < espeakTarget; v++)
        {
            var text = string.Join(" ", Enumerable.Range(0, 6).Select(_ => sentences[next++ % sentences.Count]));
            if (Espeak(temp, voices[v % voices.Length], text, 140 + (v % 5 * 15)) is not { } audio)
            {
                break;
            }

            parts.Add(("espeak-ng monologues", audio));
        }

        // The device's replies (speaker 0, the appliance's voice), the intents' and a story.
        string[] replies =
        [
            "Turning on the kitchen light.", "Turning off the bedroom light.", "Setting the volume to forty percent.", "The time is ten past three.",
            "Timer set for ten minutes.", "Sorry, I did not understand that.", "Today is Monday, the first of December.", "Muted.",
            "Once upon a time, a small robot lived in a quiet kitchen. Every morning it made tea for the family. One day the kettle broke, and the robot had to learn to boil water in a pot. It was a long and happy day.",
        ];
        var replyAudio = replies.Select(r => AudioResampler.Resample(piper.Synthesize(r), piper.SampleRate, 16000)).ToList();
        for (var i = 0; Seconds("device replies") < (quick ? 30 : 300); i++)
        {
            parts.Add(("device replies", Scale(replyAudio[i % replyAudio.Count], 0.3f + (float)(random.NextDouble() * 0.7))));
        }

        // Noise (white, brown) and tones/chords ("music-like").
        for (var i = 0; Seconds("noise") < (quick ? 30 : 480); i++)
        {
            parts.Add(("noise", Noise(16000 * 30, i % 2 == 0, 0.02f + (0.1f * (float)random.NextDouble()), random)));
        }

        for (var i = 0; Seconds("tones and chords") < (quick ? 30 : 420); i++)
        {
            parts.Add(("tones and chords", Tones(16000 * 20, random)));
        }

        var total = parts.Sum(p => p.Audio.Length) / 16000.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"negatives: {total / 60:0.0} min of non-wake audio: ") + string.Join(", ", parts.GroupBy(p => p.Kind).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Sum(p => p.Audio.Length) / 16000.0 / 60:0.0} min"))));

        // One stream, parts joined by 0.5 s of quiet noise; every frame's scores kept for the threshold curve.
        detector.Reset();
        var scores = new List<(string Kind, float Jarvis, float Alexa)>();
        var gap = Noise(8000, false, 0.001f, random);
        var watch = Stopwatch.StartNew();
        foreach (var (kind, audio) in parts)
        {
            foreach (var piece in new[] { gap, audio })
            {
                ReadOnlySpan<float> rest = piece;
                while (detector.Process(ref rest))
                {
                    scores.Add((kind, detector.Scores[0], detector.Scores[1]));
                }
            }
        }

        watch.Stop();
        var hours = scores.Count * 0.08 / 3600;
        Console.WriteLine("| threshold | hey_jarvis false accepts | per hour | alexa false accepts | per hour |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var t in Thresholds)
        {
            var j = Crossings(scores.Select(s => s.Jarvis).ToList(), t, out var jk, scores);
            var a = Crossings(scores.Select(s => s.Alexa).ToList(), t, out var ak, scores);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {t:0.0} | {j}{(j > 0 ? " (" + jk + ")" : string.Empty)} | {j / hours:0.00} | {a}{(a > 0 ? " (" + ak + ")" : string.Empty)} | {a / hours:0.00} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({hours * 60:0.0} min scored in {watch.Elapsed.TotalSeconds:0.0} s wall on one thread: {100 * watch.Elapsed.TotalSeconds / (hours * 3600):0.00} % of real time for the chain with two words)"));
    }

    private static void Cpu(WakeWordFeatureModels features, WakeWordModel jarvis, WakeWordModel alexa, PiperTts piper)
    {
        var speech = AudioResampler.Resample(piper.Synthesize("This is a minute of speech to measure the cost of the wake word chain. It goes on for a while, with words and pauses, as people talk in a room.", new SynthesisOptions { Speaker = 50 }), piper.SampleRate, 16000);
        var audio = new float[16000 * 120];
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] = speech[i % speech.Length];
        }

        using var detector = new WakeWordDetector(features, [new(jarvis), new(alexa)]);
        var thread0 = ProcessCpu();
        ReadOnlySpan<float> rest = audio;
        while (detector.Process(ref rest))
        {
        }

        var threadMs = (ProcessCpu() - thread0).TotalMilliseconds;
        var seconds = audio.Length / 16000.0;
        using var vad = SileroVad.Open(Path.Combine(BenchTools.Root(), "models", "silero_vad_v5.onnx"));
        var v0 = ProcessCpu();
        for (var i = 0; i + 512 <= audio.Length; i += 512)
        {
            vad.Process(audio.AsSpan(i, 512));
        }

        var vadMs = (ProcessCpu() - v0).TotalMilliseconds;
        double PerSecond(TimeSpan t) => t.TotalMilliseconds / seconds;
        Console.WriteLine("| part | CPU ms per s of audio | % of one core |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| melspectrogram | {PerSecond(detector.MelspectrogramTime):0.00} | {PerSecond(detector.MelspectrogramTime) / 10:0.00} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| speech embedding | {PerSecond(detector.EmbeddingTime):0.00} | {PerSecond(detector.EmbeddingTime) / 10:0.00} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| hey_jarvis classifier | {PerSecond(detector.ClassifierTime(0)):0.00} | {PerSecond(detector.ClassifierTime(0)) / 10:0.00} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| alexa classifier | {PerSecond(detector.ClassifierTime(1)):0.00} | {PerSecond(detector.ClassifierTime(1)) / 10:0.00} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| whole chain, two words (process CPU) | {threadMs / seconds:0.00} | {threadMs / seconds / 10:0.00} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Silero VAD v5 (process CPU) | {vadMs / seconds:0.00} | {vadMs / seconds / 10:0.00} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| chain with one word + Silero | {(threadMs - (PerSecond(detector.ClassifierTime(1)) * seconds) + vadMs) / seconds:0.00} | {(threadMs - (PerSecond(detector.ClassifierTime(1)) * seconds) + vadMs) / seconds / 10:0.00} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(stage times are wall time of the model runs on one thread, {seconds:0} s of speech; {Environment.ProcessorCount} cores, shared machine)"));
    }

    private const int LeadSamples = 16000;

    private static float[] Frame(float[] speech, double? snr, Random random)
    {
        var audio = new float[LeadSamples + speech.Length + 16000];
        speech.CopyTo(audio, LeadSamples);
        var floor = Noise(audio.Length, false, 0.0005f, random);
        var power = speech.Select(a => (double)a * a).Where(p => p > 1e-6).DefaultIfEmpty(1e-6).Average();
        var gain = snr is { } s ? (float)Math.Sqrt(power / Math.Pow(10, s / 10)) : 0f;
        var noise = snr is null ? null : Noise(audio.Length, false, 1f, random);
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] += floor[i] + (noise is null ? 0f : noise[i] * gain);
        }

        return audio;
    }

    /// <summary>End of the clip's last sound (for a word alone, the word's end): its last 10 ms within 30 dB of the loudest.</summary>
    private static long WordEnd(float[] audio)
    {
        var blocks = audio.Length / 160;
        var rms = new double[blocks];
        for (var b = 0; b < blocks; b++)
        {
            rms[b] = Math.Sqrt(audio.AsSpan(b * 160, 160).ToArray().Select(x => (double)x * x).Average());
        }

        var loud = rms.Max() * 0.03;
        var last = Array.FindLastIndex(rms, r => r >= loud);
        return (last + 1) * 160L;
    }

    private static int Crossings(List<float> scores, float threshold, out string kinds, List<(string Kind, float Jarvis, float Alexa)> frames)
    {
        var count = 0;
        var hold = 0;
        var where = new List<string>();
        for (var i = 0; i < scores.Count; i++)
        {
            if (hold > 0)
            {
                hold--;
                continue;
            }

            if (scores[i] >= threshold)
            {
                count++;
                hold = 25; // the 2 s refractory period
                where.Add(frames[i].Kind);
            }
        }

        kinds = string.Join(", ", where.GroupBy(k => k).Select(g => $"{g.Count()} {g.Key}"));
        return count;
    }

    private static float[] Noise(int samples, bool brown, float rms, Random random)
    {
        var result = new float[samples];
        double b = 0;
        for (var i = 0; i < samples; i++)
        {
            var white = (random.NextDouble() * 2) - 1;
            b = brown ? (0.98 * b) + (0.2 * white) : white;
            result[i] = (float)(b * rms * 1.7);
        }

        return result;
    }

    private static float[] Tones(int samples, Random random)
    {
        // A melody of chords: three partials per note, a new note every 0.25-0.6 s, with attack and decay.
        var result = new float[samples];
        var pos = 0;
        while (pos < samples)
        {
            var length = Math.Min(samples - pos, 4000 + random.Next(5600));
            var root = 110 * Math.Pow(2, random.Next(36) / 12.0);
            double[] freqs = [root, root * 1.26, root * 1.5];
            for (var i = 0; i < length; i++)
            {
                var env = Math.Min(1, i / 400.0) * Math.Exp(-3.0 * i / length);
                var v = freqs.Sum(f => Math.Sin(2 * Math.PI * f * (pos + i) / 16000));
                result[pos + i] = (float)(0.1 * env * v);
            }

            pos += length;
        }

        return result;
    }

    private static float[] Scale(float[] audio, float gain) => audio.Select(a => a * gain).ToArray();

    private static IEnumerable<string> Sentences(string path) =>
        File.Exists(path)
            ? SentenceEnd().Split(Regex.Replace(File.ReadAllText(path), @"[#*|`<>\[\]()_/\\-]+", " "))
                .Select(s => Regex.Replace(s, @"\s+", " ").Trim())
                .Where(s => s.Length is > 30 and < 300 && s.Count(char.IsLetter) > s.Length * 0.7)
            : [];

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();

    private static float[]? Espeak(string dir, string voice, string text, int speed = 160)
    {
        var raw = Path.Combine(dir, "raw.wav");
        var pcm = Path.Combine(dir, "out.raw");
        if (!BenchTools.Exec("espeak-ng", ["-v", voice, "-s", speed.ToString(CultureInfo.InvariantCulture), "-w", raw, text], out _)
            || !BenchTools.Exec("sox", [raw, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", pcm], out _))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(pcm);
        var audio = new float[bytes.Length / 2];
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] = BitConverter.ToInt16(bytes, 2 * i) / 32768f * 0.8f;
        }

        return audio;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];

    private static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>The process's CPU time (user + system, all threads: ORT runs these models on the calling thread).</summary>
    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
