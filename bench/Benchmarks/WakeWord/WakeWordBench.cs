using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Onnx;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Vad;
using VoiceAppliance.Models.WakeWord;

namespace VoiceAppliance.Benchmarks.WakeWord;

/// <summary>
/// <c>./build.sh bench wake [--quick] [--memory-only] [--no-memory] [--no-cpu] [--scores FILE] [--reset room] [--pre P,...] [--warmup N]</c>: the openWakeWord chain (models/openwakeword) on synthesised speech, with
/// every decision rule chosen on a TUNING split and reported on a separate HELD-OUT split. Positives: "hey jarvis" and
/// "alexa", alone and run on into a command, clean and at 20/10 dB SNR (white noise), by Piper speakers and espeak-ng
/// voices; the tuning split and the held-out split share no speaker, no espeak-ng voice and no command. Negatives: two
/// hours and more of non-wake audio (Piper and espeak-ng monologues from many voices over several licence texts, the
/// device's own replies, noise, tones and chords), its parts dealt alternately to the two splits. For each word the
/// threshold curve (detection against false accepts per hour) at patience 1-3 (consecutive frames at or above the
/// threshold), the rule the tuning split picks (most detection with at most 0.5 false accepts per hour), and that rule
/// on the held-out split. Also: where the detection lands against the word's end, CPU per second of audio for the
/// feature chain, each classifier and Silero, and RSS and CPU added by the chain with ORT's memory arena and memory
/// pattern on and off (each in a fresh child process, after Silero has loaded ORT as the daemon has). Every frame is
/// also scored 40 ms before its end, so the same run replays the detector's fine hop (always and from each <c>--pre</c>
/// threshold) beside the 80 ms hop; <c>--warmup N</c> replays a longer warm-up. Every clip is scored twice: after the
/// reset to the synthetic noise history and after a reset that replays the room's own sound (the clip's background;
/// the detector's Reset(room)); <c>--reset room</c> reports the latter. Then each word's best score on white
/// noise alone after a reset, and the idle CPU with and without Silero gating.
/// </summary>
public static partial class WakeWordBench
{
    private const double FalseAcceptGoal = 0.5;
    private const int RefractoryFrames = 25; // the 2 s refractory period
    private static readonly float[] Grid = [.. Enumerable.Range(2, 18).Select(i => i * 0.05f)]; // 0.10 .. 0.95
    private static readonly int[] Patiences = [1, 2, 3];
    private static readonly string[] Words = ["hey_jarvis", "alexa"];

    /// <summary>Entry point.</summary>
    public static int Run(string[] args)
    {
        var root = BenchTools.Root();
        var dir = Path.Combine(root, "models", "openwakeword");
        if (!File.Exists(Path.Combine(dir, "hey_jarvis_v0.1.onnx")))
        {
            Console.Error.WriteLine("models/openwakeword is missing: run ./build.sh provision");
            return 69;
        }

        var child = Array.IndexOf(args, "--memory-child");
        if (child >= 0 && child + 1 < args.Length)
        {
            return MemoryChild(dir, args[child + 1] == "on");
        }

        var quick = args.Contains("--quick");
        if (!args.Contains("--no-memory"))
        {
            Memory();
        }

        if (args.Contains("--memory-only"))
        {
            return 0;
        }

        using var features = WakeWordFeatureModels.LoadFromDirectory(dir, WakeWordFeatureModels.SessionOptions);
        using var jarvis = WakeWordModel.Load(Path.Combine(dir, "hey_jarvis_v0.1.onnx"));
        using var alexa = WakeWordModel.Load(Path.Combine(dir, "alexa_v0.1.onnx"));

        // Threshold 1 and no refractory: the bench reads every frame's raw scores and applies the rules itself. The
        // fine hop always on (pre-threshold 0): every frame is also scored 40 ms before its end, so any pre-threshold
        // can be replayed from the stored scores (an armed fine score equals the always-on one).
        using var detector = new WakeWordDetector(features, [new(jarvis, 1f), new(alexa, 1f)], fineHopFrom: 0f);
        var temp = Directory.CreateTempSubdirectory("wake-bench").FullName;
        try
        {
            // --scores FILE: every frame's scores are written there, or read from there when it exists (to re-read the
            // same run's figures without synthesising two hours of speech again).
            var saved = Array.IndexOf(args, "--scores") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
            var piper = SpeechSamples.Voice();
            List<Clip> clips;
            List<NegativeStream> negatives;
            if (saved is not null && File.Exists(saved))
            {
                (clips, negatives) = LoadScores(saved);
                Console.WriteLine($"scores read from {saved}");
            }
            else
            {
                clips = Positives(detector, piper, quick, temp);
                negatives = Negatives(detector, piper, quick, temp);
                if (saved is not null)
                {
                    SaveScores(saved, clips, negatives);
                }
            }

            // --reset room: report the clips scored after a reset that replays the room's own audio (the detector's
            // Reset(room)); default: after the reset to the synthetic noise history (Reset()). Both are in the scores.
            var fromRoom = Array.IndexOf(args, "--reset") is var ri and >= 0 && ri + 1 < args.Length && args[ri + 1] == "room";
            Console.WriteLine(fromRoom
                ? "clips scored after a reset that replays 2.16 s of the room's own sound (the clip's background)"
                : "clips scored after the reset to the synthetic noise history (openWakeWord's start)");
            clips = [.. clips.Where(c => c.Room == fromRoom)];

            // --warmup N: replay as if the detector reported no score for the first N frames after a reset (its
            // WarmupFrames; the scores after it do not depend on it, so the replay is exact).
            if (Array.IndexOf(args, "--warmup") is var wi and >= 0 && wi + 1 < args.Length)
            {
                var warmup = int.Parse(args[wi + 1], CultureInfo.InvariantCulture);
                Console.WriteLine($"replayed with no score for the first {warmup} frames after a reset (the detector: {WakeWordDetector.WarmupFrames})");
                foreach (var c in clips)
                {
                    Array.Clear(c.Scores, 0, Math.Min(warmup, c.Scores.Length));
                    Array.Clear(c.Fine, 0, Math.Min(warmup, c.Fine.Length));
                }
            }

            foreach (var scoring in Scorings(args))
            {
                Report(clips, negatives, scoring);
            }

            NoiseAfterReset(detector);
            if (!args.Contains("--no-cpu"))
            {
                Cpu(features, jarvis, alexa, piper);
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }

        return 0;
    }

    private sealed record Clip(int Word, string Kind, string Voice, bool Tuning, double? Snr, float[] Scores, float[] Fine, long SpeechEnd, bool Room)
    {
        /// <summary>The scores the scoring in force sees, in time order (see <see cref="Steps"/>).</summary>
        public float[] Steps { get; set; } = Scores;
    }

    private sealed record NegativeStream(bool Tuning, double Hours, float[][] Scores, float[][] Fine, string[] Kinds, Dictionary<string, double> Minutes)
    {
        public float[][] Steps { get; set; } = Scores;
    }

    /// <summary>How frames are scored: the 80 ms hop (Pre null), or the fine hop armed from a pre-threshold (0: always).</summary>
    private sealed record Scoring(string Name, float? Pre)
    {
        public int PerFrame => Pre is null ? 1 : 2;
    }

    private sealed record Rule(float Threshold, int Patience);

    private static List<Clip> Positives(WakeWordDetector detector, PiperTts piper, bool quick, string temp)
    {
        // Tuning: the earlier bench's speakers, voices and commands. Held-out: other speakers, voices and commands.
        var tuningSpeakers = quick ? new[] { 0, 300 } : [.. Enumerable.Range(0, 40).Select(i => i * 22)];
        var heldOutSpeakers = quick ? new[] { 11, 707 } : [.. Enumerable.Range(0, 40).Select(i => 11 + (i * 22))];
        (string Voice, int Speed)[] tuningVoices = quick ? [("en-us", 160)] : [("en-us", 160), ("en-us+m3", 160), ("en-us+f2", 160), ("en-us+f4", 160), ("en-gb", 160), ("en-gb-scotland", 160), ("en-029", 160), ("en-gb-x-rp", 160)];
        (string Voice, int Speed)[] heldOutVoices = quick ? [("en-gb+m3", 170)] : [("en-us+m1", 150), ("en-us+m5", 175), ("en-us+f1", 165), ("en-us+f3", 155), ("en-gb+m3", 170), ("en-gb+f4", 160), ("en-gb-x-gbclan", 165), ("en-gb-x-gbcwmd", 155)];
        (string Alone, string TuningRunOn, string HeldOutRunOn)[] texts =
        [
            ("Hey Jarvis.", "Hey Jarvis, turn on the kitchen light.", "Hey Jarvis, what time is it?"),
            ("Alexa.", "Alexa, what time is it?", "Alexa, set the volume to forty."),
        ];
        var audio = new List<(int Word, string Kind, string Voice, bool Tuning, float[] Audio)>();
        for (var w = 0; w < Words.Length; w++)
        {
            foreach (var tuning in new[] { true, false })
            {
                foreach (var (kind, text) in new[] { ("alone", texts[w].Alone), ("run-on", tuning ? texts[w].TuningRunOn : texts[w].HeldOutRunOn) })
                {
                    foreach (var s in tuning ? tuningSpeakers : heldOutSpeakers)
                    {
                        audio.Add((w, kind, $"piper:{s}", tuning, AudioResampler.Resample(piper.Synthesize(text, new SynthesisOptions { Speaker = s, SentenceSilence = TimeSpan.Zero }), piper.SampleRate, 16000)));
                    }

                    foreach (var (v, speed) in tuning ? tuningVoices : heldOutVoices)
                    {
                        if (Espeak(temp, v, text, speed) is { } a)
                        {
                            audio.Add((w, kind, $"espeak:{v}", tuning, a));
                        }
                    }
                }
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"positives: {audio.Count(a => a.Tuning) / 4} tuning clips per word, kind and condition ({tuningSpeakers.Length} Piper speakers + {tuningVoices.Length} espeak-ng voices), {audio.Count(a => !a.Tuning) / 4} held-out ({heldOutSpeakers.Length} other Piper speakers + {heldOutVoices.Length} other espeak-ng voices, other commands)"));
        var clips = new List<Clip>();
        var random = new Random(11);
        var roomRandom = new Random(13);
        foreach (var snr in new double?[] { null, 20, 10 })
        {
            foreach (var c in audio)
            {
                var framed = Frame(c.Audio, snr, random);

                // Each clip twice: after the reset to the synthetic noise history, and after a reset that replays the
                // room heard before (the same background as the clip's: its floor and, with an SNR, its noise level).
                var room = Background(detector.RoomSamples, c.Audio, snr, roomRandom);
                foreach (var fromRoom in new[] { false, true })
                {
                    if (fromRoom)
                    {
                        detector.Reset(room);
                    }
                    else
                    {
                        detector.Reset();
                    }

                    var scores = new List<float>(framed.Length / WakeWordFeatureModels.FrameSamples);
                    var fine = new List<float>(framed.Length / WakeWordFeatureModels.FrameSamples);
                    ReadOnlySpan<float> rest = framed;
                    while (detector.Process(ref rest))
                    {
                        scores.Add(detector.Scores[c.Word]);
                        fine.Add(detector.FineScores[c.Word]);
                    }

                    clips.Add(new Clip(c.Word, c.Kind, c.Voice, c.Tuning, snr, [.. scores], [.. fine], LeadSamples + WordEnd(c.Audio), fromRoom));
                }
            }
        }

        return clips;
    }

    private static List<NegativeStream> Negatives(WakeWordDetector detector, PiperTts piper, bool quick, string temp)
    {
        var sentences = Directory.EnumerateFiles("/usr/share/common-licenses").Order(StringComparer.Ordinal).SelectMany(Sentences)
            .Concat(Sentences(Path.Combine(BenchTools.Root(), "README.md")))
            .Where(s => !s.Contains("jarvis", StringComparison.OrdinalIgnoreCase) && !s.Contains("alexa", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var parts = new List<(string Kind, float[] Audio)>();
        var random = new Random(5);
        double Seconds(string kind) => parts.Where(p => p.Kind == kind).Sum(p => p.Audio.Length) / 16000.0;

        // Piper monologues: one speaker per paragraph of a few sentences (the most realistic negatives: most of the time).
        var piperTarget = quick ? 60 : 3000;
        var next = 0;
        for (var speaker = 5; Seconds("piper monologues") < piperTarget; speaker = (speaker + 37) % 904)
        {
            var text = string.Join(" ", Enumerable.Range(0, 4).Select(_ => sentences[next++ % sentences.Count]));
            var a = AudioResampler.Resample(piper.Synthesize(text, new SynthesisOptions { Speaker = speaker }), piper.SampleRate, 16000);
            parts.Add(("piper monologues", a));
        }

        // espeak-ng monologues: voices and speeds vary.
        string[] voices = ["en-us", "en-us+m1", "en-us+m3", "en-us+m5", "en-us+f1", "en-us+f3", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-gb-x-gbclan"];
        var espeakTarget = quick ? 60 : 3000;
        for (var v = 0; Seconds("espeak-ng monologues") < espeakTarget; v++)
        {
            var text = string.Join(" ", Enumerable.Range(0, 6).Select(_ => sentences[next++ % sentences.Count]));
            if (Espeak(temp, voices[v % voices.Length], text, 140 + (v % 5 * 15)) is not { } a)
            {
                break;
            }

            parts.Add(("espeak-ng monologues", a));
        }

        // The device's replies (speaker 0, the appliance's voice), the intents' and a story.
        string[] replies =
        [
            "Turning on the kitchen light.", "Turning off the bedroom light.", "Setting the volume to forty percent.", "The time is ten past three.",
            "Timer set for ten minutes.", "Sorry, I did not understand that.", "Today is Monday, the first of December.", "Muted.",
            "Once upon a time, a small robot lived in a quiet kitchen. Every morning it made tea for the family. One day the kettle broke, and the robot had to learn to boil water in a pot. It was a long and happy day.",
        ];
        var replyAudio = replies.Select(r => AudioResampler.Resample(piper.Synthesize(r), piper.SampleRate, 16000)).ToList();
        for (var i = 0; Seconds("device replies") < (quick ? 30 : 600); i++)
        {
            parts.Add(("device replies", Scale(replyAudio[i % replyAudio.Count], 0.3f + (float)(random.NextDouble() * 0.7))));
        }

        // Noise (white, brown) and tones/chords ("music-like").
        for (var i = 0; Seconds("noise") < (quick ? 30 : 600); i++)
        {
            parts.Add(("noise", Noise(16000 * 30, i % 2 == 0, 0.02f + (0.1f * (float)random.NextDouble()), random)));
        }

        for (var i = 0; Seconds("tones and chords") < (quick ? 30 : 600); i++)
        {
            parts.Add(("tones and chords", Tones(16000 * 20, random)));
        }

        // Parts of each kind dealt alternately to the tuning and the held-out stream; each stream is scored as one
        // recording, the parts joined by 0.5 s of quiet noise.
        var streams = new List<NegativeStream>();
        var gap = Noise(8000, false, 0.001f, random);
        foreach (var tuning in new[] { true, false })
        {
            var mine = parts.GroupBy(p => p.Kind).SelectMany(g => g.Where((_, i) => (i % 2 == 0) == tuning)).ToList();
            detector.Reset();
            var scores = new List<float>[] { [], [] };
            var fine = new List<float>[] { [], [] };
            var kinds = new List<string>();
            foreach (var (kind, a) in mine)
            {
                foreach (var piece in new[] { gap, a })
                {
                    ReadOnlySpan<float> rest = piece;
                    while (detector.Process(ref rest))
                    {
                        scores[0].Add(detector.Scores[0]);
                        scores[1].Add(detector.Scores[1]);
                        fine[0].Add(detector.FineScores[0]);
                        fine[1].Add(detector.FineScores[1]);
                        kinds.Add(kind);
                    }
                }
            }

            var minutes = mine.GroupBy(p => p.Kind).ToDictionary(g => g.Key, g => g.Sum(p => p.Audio.Length) / 16000.0 / 60);
            streams.Add(new NegativeStream(tuning, kinds.Count * 0.08 / 3600, [[.. scores[0]], [.. scores[1]]], [[.. fine[0]], [.. fine[1]]], [.. kinds], minutes));
        }

        foreach (var s in streams)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"negatives, {(s.Tuning ? "tuning" : "held-out")}: {s.Hours * 60:0.0} min: ") + string.Join(", ", s.Minutes.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.0} min"))));
        }

        return streams;
    }

    /// <summary>
    /// Each word's best score on white noise alone (4 s after a reset; rms -25/-30/-35 dBFS, 20 seeds each) while the
    /// embedding history still holds reset embeddings (the first 16 frames, 1.28 s) and after: what fires in the quiet
    /// second of the positive clips.
    /// </summary>
    private static void NoiseAfterReset(WakeWordDetector detector)
    {
        Console.WriteLine();
        Console.WriteLine("White noise alone after a reset (20 seeds per level, 4 s each): best score while the history holds reset embeddings (first 1.28 s) | after; clips at or above 0.40 (hey_jarvis) / 0.45 (alexa) in the first 1.28 s. Reset: to the synthetic noise history, or replaying 2.16 s of the same noise (another seed) heard before");
        Console.WriteLine("| level | reset | " + string.Join(" | ", Words.Select(w => $"{w} first 1.28 s | {w} after | {w} clips")) + " |");
        Console.WriteLine("|---|---|" + string.Concat(Words.Select(_ => "---|---|---|")));
        float[] limits = [0.40f, 0.45f];
        foreach (var (db, fromRoom) in new[] { -25, -30, -35 }.SelectMany(db => new[] { (db, false), (db, true) }))
        {
            var early = new float[Words.Length];
            var late = new float[Words.Length];
            var over = new int[Words.Length];
            for (var seed = 0; seed < 20; seed++)
            {
                var audio = Noise(16000 * 4, false, (float)Math.Pow(10, db / 20.0), new Random((seed * 7) + db));
                if (fromRoom)
                {
                    detector.Reset(Noise(detector.RoomSamples, false, (float)Math.Pow(10, db / 20.0), new Random((seed * 7) + db + 1000)));
                }
                else
                {
                    detector.Reset();
                }

                var hit = new bool[Words.Length];
                ReadOnlySpan<float> rest = audio;
                while (detector.Process(ref rest))
                {
                    for (var w = 0; w < Words.Length; w++)
                    {
                        var x = detector.Scores[w];
                        if (detector.Frames <= 16)
                        {
                            early[w] = Math.Max(early[w], x);
                            hit[w] |= x >= limits[w];
                        }
                        else
                        {
                            late[w] = Math.Max(late[w], x);
                        }
                    }
                }

                for (var w = 0; w < Words.Length; w++)
                {
                    over[w] += hit[w] ? 1 : 0;
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {db} dBFS | {(fromRoom ? "room" : "synthetic")} | ") + string.Join(" | ", Words.Select((_, w) => string.Create(CultureInfo.InvariantCulture, $"{early[w]:0.000} | {late[w]:0.000} | {over[w]} of 20"))) + " |");
        }
    }

    /// <summary>The 80 ms hop, then the fine hop always and from each pre-threshold of <c>--pre</c> (default 0.02,0.05,0.1).</summary>
    private static List<Scoring> Scorings(string[] args)
    {
        var at = Array.IndexOf(args, "--pre");
        var pres = at >= 0 && at + 1 < args.Length
            ? args[at + 1].Split(',').Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray()
            : [0.02f, 0.05f, 0.1f];
        return [new("80 ms hop", null), new("40 ms hop (always)", 0f), .. pres.Select(p => new Scoring(string.Create(CultureInfo.InvariantCulture, $"40 ms hop from {p:0.00}"), p))];
    }

    /// <summary>Steps per 80 ms frame of the scoring in force (1: the 80 ms hop; 2: the fine hop).</summary>
    private static int s_perFrame = 1;

    /// <summary>
    /// The scores a detector with <paramref name="scoring"/> sees, in time order. The fine hop scores 40 ms before
    /// frame t's end when the best score (of <paramref name="a"/> and <paramref name="other"/>, the other word) at
    /// frame t or t - 1 reaches the pre-threshold (after the warm-up); a step it skips is NaN (never at or above a
    /// threshold; the detector skips it, which is the same as long as the threshold is above the pre-threshold).
    /// </summary>
    private static float[] Steps(float[] a, float[] fine, float[]? other, Scoring scoring, ref int armedFrames, ref int armings)
    {
        if (scoring.Pre is not { } pre)
        {
            return a;
        }

        var steps = new float[a.Length * 2];
        var wasArmed = false;
        for (var t = 0; t < a.Length; t++)
        {
            var best = Math.Max(a[t], t > 0 ? a[t - 1] : 0f);
            if (other is not null)
            {
                best = Math.Max(best, Math.Max(other[t], t > 0 ? other[t - 1] : 0f));
            }

            var armed = t >= WakeWordDetector.WarmupFrames && best >= pre;
            armedFrames += armed ? 1 : 0;
            armings += armed && !wasArmed ? 1 : 0;
            wasArmed = armed;
            steps[2 * t] = armed ? fine[t] : float.NaN;
            steps[(2 * t) + 1] = a[t];
        }

        return steps;
    }

    private static void Report(List<Clip> clips, List<NegativeStream> negatives, Scoring scoring)
    {
        var tuningNeg = negatives.Single(n => n.Tuning);
        var heldNeg = negatives.Single(n => !n.Tuning);
        s_perFrame = scoring.PerFrame;
        int armed = 0, armings = 0, negArmed = 0, negArmings = 0;
        foreach (var c in clips)
        {
            c.Steps = Steps(c.Scores, c.Fine, null, scoring, ref armed, ref armings);
        }

        foreach (var n in negatives)
        {
            n.Steps = [Steps(n.Scores[0], n.Fine[0], n.Scores[1], scoring, ref negArmed, ref negArmings), Steps(n.Scores[1], n.Fine[1], n.Scores[0], scoring, ref negArmed, ref negArmings)];
        }

        var negFrames = negatives.Sum(n => n.Scores[0].Length);
        Console.WriteLine();
        Console.WriteLine($"=== {scoring.Name} ===");
        if (scoring.Pre is not null)
        {
            // Each word's pass counted the same arming (it uses both words' scores): halve.
            var extra = ((negArmed / 2) + (negArmings / 2 * 15.0)) / negFrames;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{scoring.Name}: armed on {100.0 * negArmed / 2 / negFrames:0.0} % of the negatives' frames ({negArmings / 2 / (negFrames * 0.08 / 60):0.0} armings per minute): {100 * extra:0.0} % more embeddings than the 80 ms hop (each frame armed: one embedding; each arming: 15 more for the history)"));
        }

        for (var w = 0; w < Words.Length; w++)
        {
            var word = Words[w];
            var tuning = clips.Where(c => c.Word == w && c.Tuning).ToList();
            var held = clips.Where(c => c.Word == w && !c.Tuning).ToList();

            // The threshold curve on both splits.
            Console.WriteLine();
            Console.WriteLine($"{word}, {scoring.Name}: detection (all clips: alone and run on, clean/20/10 dB; a fire counts once the speech has started), false accepts per hour on the negatives, and clips that fire in the quiet second after a reset; tuning | held-out");
            Console.WriteLine("| threshold | " + string.Join(" | ", Patiences.Select(k => $"patience {k}: detection, FA/h, reset fires")) + " |");
            Console.WriteLine("|---|" + string.Concat(Patiences.Select(_ => "---|")));
            foreach (var t in Grid)
            {
                var cells = Patiences.Select(k =>
                {
                    var r = new Rule(t, k);
                    return string.Create(CultureInfo.InvariantCulture, $"{Detected(tuning, r):0.0} % {FalseAccepts(tuningNeg, w, r, out _) / tuningNeg.Hours:0.00} {EarlyFires(tuning, r)} | {Detected(held, r):0.0} % {FalseAccepts(heldNeg, w, r, out _) / heldNeg.Hours:0.00} {EarlyFires(held, r)}");
                });
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {t:0.00} | ") + string.Join(" | ", cells) + " |");
            }

            // The rule the tuning split picks: most detection with false accepts within the goal; ties go to the higher
            // threshold, then the lower patience.
            var chosen = Patiences.SelectMany(k => Grid.Select(t => new Rule(t, k)))
                .Where(r => FalseAccepts(tuningNeg, w, r, out _) / tuningNeg.Hours <= FalseAcceptGoal && EarlyFires(tuning, r) == 0)
                .OrderByDescending(r => Detected(tuning, r)).ThenByDescending(r => r.Threshold).ThenBy(r => r.Patience)
                .FirstOrDefault() ?? new Rule(0.95f, 3);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{word}: the tuning split picks threshold {chosen.Threshold:0.00}, patience {chosen.Patience} (tuning: {Detected(tuning, chosen):0.0} % detected, {FalseAccepts(tuningNeg, w, chosen, out _) / tuningNeg.Hours:0.00} false accepts/h, no fire in the quiet second after a reset; held-out: {EarlyFires(held, chosen)} of {held.Count} clips fire there)"));
            var lowest = Patiences.ToDictionary(k => k, k => Grid.FirstOrDefault(t => EarlyFires(tuning, new Rule(t, k)) == 0));
            Console.WriteLine($"{word}: the lowest threshold without a fire in the quiet second after a reset on any tuning clip: " + string.Join(", ", lowest.Select(p => string.Create(CultureInfo.InvariantCulture, $"patience {p.Key}: {p.Value:0.00}"))));

            // The held-out split at the earlier default (0.5, patience 1) and at the chosen rule, per cell.
            var defaultRule = new Rule(0.5f, 1);
            Console.WriteLine($"{word}, held-out split: detection per cell at 0.5/patience 1 -> at the chosen rule (misses at the chosen rule, with the clip's best score)");
            Console.WriteLine("| spoken | condition | at 0.5, patience 1 | at the chosen rule | misses |");
            Console.WriteLine("|---|---|---|---|---|");
            foreach (var g in held.GroupBy(c => (c.Kind, c.Snr)))
            {
                var list = g.ToList();
                var misses = string.Join(" ", list.Where(c => Hit(c, chosen) is null).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Voice}({c.Steps.Where(float.IsFinite).DefaultIfEmpty(0).Max():0.00})")).Take(8));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {g.Key.Kind} | {(g.Key.Snr is { } snr ? $"{snr} dB SNR" : "clean")} | {Detected(list, defaultRule):0.0} % | {Detected(list, chosen):0.0} % ({list.Count(c => Hit(c, chosen) is not null)}/{list.Count}) | {misses} |"));
            }

            foreach (var (name, rule) in new[] { ("0.5, patience 1", defaultRule), ("the chosen rule", chosen) })
            {
                var n = FalseAccepts(heldNeg, w, rule, out var where);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{word}, held-out negatives at {name}: {n} false accepts in {heldNeg.Hours * 60:0.0} min = {n / heldNeg.Hours:0.00}/h{(n > 0 ? " (" + where + ")" : string.Empty)}; both splits: {n + FalseAccepts(tuningNeg, w, rule, out _)} in {(heldNeg.Hours + tuningNeg.Hours) * 60:0.0} min"));
            }

            // Where the chosen rule fires against the word's end (clean, word alone, held-out).
            var lateness = held.Where(c => c.Snr is null && c.Kind == "alone" && Hit(c, chosen) is not null)
                .Select(c => (((Hit(c, chosen)!.Value + 1) * (double)WakeWordFeatureModels.FrameSamples / s_perFrame) - c.SpeechEnd) / 16.0).Order().ToList();
            if (lateness.Count > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{word}: the detecting frame's end against the word's last sound (held-out, clean, alone; negative = before it): median {Percentile(lateness, 0.5):0} ms, p10 {Percentile(lateness, 0.1):0} ms, p90 {Percentile(lateness, 0.9):0} ms (n = {lateness.Count})"));
            }
        }
    }

    private static void SaveScores(string path, List<Clip> clips, List<NegativeStream> negatives)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write(ScoresFormat);
        w.Write(clips.Count);
        foreach (var c in clips)
        {
            w.Write(c.Word);
            w.Write(c.Kind);
            w.Write(c.Voice);
            w.Write(c.Tuning);
            w.Write(c.Snr ?? -1);
            w.Write(c.SpeechEnd);
            w.Write(c.Room);
            w.Write(c.Scores.Length);
            for (var i = 0; i < c.Scores.Length; i++)
            {
                w.Write(c.Scores[i]);
                w.Write(c.Fine[i]);
            }
        }

        w.Write(negatives.Count);
        foreach (var n in negatives)
        {
            w.Write(n.Tuning);
            w.Write(n.Hours);
            w.Write(n.Kinds.Length);
            for (var i = 0; i < n.Kinds.Length; i++)
            {
                w.Write(n.Kinds[i]);
                w.Write(n.Scores[0][i]);
                w.Write(n.Scores[1][i]);
                w.Write(n.Fine[0][i]);
                w.Write(n.Fine[1][i]);
            }

            w.Write(n.Minutes.Count);
            foreach (var (k, v) in n.Minutes)
            {
                w.Write(k);
                w.Write(v);
            }
        }
    }

    private static (List<Clip>, List<NegativeStream>) LoadScores(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        if (r.ReadString() != ScoresFormat)
        {
            throw new InvalidDataException($"{path} is not a scores file of this bench ({ScoresFormat}: 80 ms and fine-hop scores, after both resets); delete it to score again");
        }

        var clips = new List<Clip>();
        for (var n = r.ReadInt32(); n > 0; n--)
        {
            var word = r.ReadInt32();
            var kind = r.ReadString();
            var voice = r.ReadString();
            var tuning = r.ReadBoolean();
            var snr = r.ReadDouble();
            var end = r.ReadInt64();
            var room = r.ReadBoolean();
            var count = r.ReadInt32();
            if (count is < 0 or > 100_000)
            {
                throw new InvalidDataException($"{path}: a clip claims {count} frames; delete the file to score again");
            }

            var scores = new float[count];
            var fine = new float[count];
            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = r.ReadSingle();
                fine[i] = r.ReadSingle();
            }

            clips.Add(new Clip(word, kind, voice, tuning, snr < 0 ? null : snr, scores, fine, end, room));
        }

        var negatives = new List<NegativeStream>();
        for (var n = r.ReadInt32(); n > 0; n--)
        {
            var tuning = r.ReadBoolean();
            var hours = r.ReadDouble();
            var count = r.ReadInt32();
            if (count is < 0 or > 10_000_000)
            {
                throw new InvalidDataException($"{path}: a negative stream claims {count} frames; delete the file to score again");
            }

            var kinds = new string[count];
            float[][] scores = [new float[count], new float[count]];
            float[][] fine = [new float[count], new float[count]];
            for (var i = 0; i < count; i++)
            {
                kinds[i] = r.ReadString();
                scores[0][i] = r.ReadSingle();
                scores[1][i] = r.ReadSingle();
                fine[0][i] = r.ReadSingle();
                fine[1][i] = r.ReadSingle();
            }

            var minutes = new Dictionary<string, double>();
            for (var m = r.ReadInt32(); m > 0; m--)
            {
                minutes[r.ReadString()] = r.ReadDouble();
            }

            negatives.Add(new NegativeStream(tuning, hours, scores, fine, kinds, minutes));
        }

        return (clips, negatives);
    }

    /// <summary>The first frame that ends after the clip's speech starts (frame j ends at sample (j + 1) x 1280).</summary>
    private const int SpeechFrame = LeadSamples / WakeWordFeatureModels.FrameSamples;

    /// <summary>Percentage of <paramref name="clips"/> on which <paramref name="rule"/> fires once the speech has started.</summary>
    private static double Detected(List<Clip> clips, Rule rule) => clips.Count == 0 ? 0 : 100.0 * clips.Count(c => Hit(c, rule) is not null) / clips.Count;

    /// <summary>The frame at which <paramref name="rule"/> first fires on the clip's speech (a fire before it is not a detection).</summary>
    private static int? Hit(Clip clip, Rule rule) => FirstFire(clip.Steps, rule, SpeechFrame * s_perFrame, clip.Steps.Length);

    /// <summary>
    /// Clips on which <paramref name="rule"/> fires in the second of quiet before the speech, just after the detector's
    /// reset (the pipeline resets it after every session): each is a false accept the negative streams cannot show.
    /// </summary>
    private static int EarlyFires(List<Clip> clips, Rule rule) => clips.Count(c => FirstFire(c.Steps, rule, 0, Math.Min(SpeechFrame * s_perFrame, c.Steps.Length)) is not null);

    /// <summary>Consecutive steps at or above the threshold that <paramref name="rule"/> asks for (a patience of P frames spans 2P - 1 steps of 40 ms).</summary>
    private static int Needed(Rule rule) => s_perFrame == 1 ? rule.Patience : (2 * rule.Patience) - 1;

    /// <summary>The first frame in [from, to) at which <paramref name="rule"/> fires (its patience-th frame in a row at or above the threshold).</summary>
    private static int? FirstFire(float[] scores, Rule rule, int from, int to)
    {
        var above = 0;
        for (var i = from; i < to; i++)
        {
            above = scores[i] >= rule.Threshold ? above + 1 : 0;
            if (above >= Needed(rule))
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>Detections of word <paramref name="word"/> on a negative stream under <paramref name="rule"/>, with the detector's 2 s refractory period.</summary>
    private static int FalseAccepts(NegativeStream stream, int word, Rule rule, out string kinds)
    {
        var scores = stream.Steps[word];
        var count = 0;
        var above = 0;
        var holdUntil = 0;
        var where = new List<string>();
        for (var i = 0; i < scores.Length; i++)
        {
            above = scores[i] >= rule.Threshold ? above + 1 : 0;
            if (above >= Needed(rule) && i >= holdUntil)
            {
                count++;
                holdUntil = i + (RefractoryFrames * s_perFrame);
                where.Add(stream.Kinds[i / s_perFrame]);
            }
        }

        kinds = string.Join(", ", where.GroupBy(k => k).Select(g => $"{g.Count()} {g.Key}"));
        return count;
    }

    /// <summary>RSS and CPU added by the chain with ORT's arena and memory pattern on, then off, each in a fresh process.</summary>
    private static void Memory()
    {
        Console.WriteLine("| ORT memory arena + memory pattern of the chain's sessions | RSS of ORT + Silero, loaded first (MB) | RSS added by the chain (MB) | peak above that (MB) | chain CPU ms per s of audio |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var on in new[] { true, false, true, false })
        {
            var self = typeof(WakeWordBench).Assembly.Location;
            var psi = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet"
                ? new ProcessStartInfo(host) { ArgumentList = { self } }
                : new ProcessStartInfo(Environment.ProcessPath!);
            foreach (var a in new[] { "wake", "--memory-child", on ? "on" : "off" })
            {
                psi.ArgumentList.Add(a);
            }

            psi.RedirectStandardOutput = true;
            using var p = Process.Start(psi)!;
            var line = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            Console.WriteLine($"| {(on ? "on (ORT's default)" : "off")} | {line} |");
        }
    }

    /// <summary>In a fresh process: Silero loads ORT first (the daemon always has it), then the chain with two words runs 60 s of audio.</summary>
    private static int MemoryChild(string dir, bool arena)
    {
        var random = new Random(3);
        var audio = new float[16000 * 60];
        Tones(audio.Length, random).CopyTo(audio, 0);
        var noise = Noise(audio.Length, true, 0.05f, random);
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] += noise[i];
        }

        GC.Collect();
        var (rssStart, _) = Rss();
        using var vad = SileroVad.Open(Path.Combine(BenchTools.Root(), "models", "silero_vad_v5.onnx"));

        for (var i = 0; i + 512 <= 16000; i += 512)
        {
            vad.Process(audio.AsSpan(i, 512));
        }

        GC.Collect();
        var (rss0, hwm0) = Rss();
        var options = new OnnxSessionOptions { MemoryArena = arena, MemoryPattern = arena };
        using var features = WakeWordFeatureModels.LoadFromDirectory(dir, options);
        using var jarvis = WakeWordModel.Load(Path.Combine(dir, "hey_jarvis_v0.1.onnx"), options: options);
        using var alexa = WakeWordModel.Load(Path.Combine(dir, "alexa_v0.1.onnx"), options: options);
        using var detector = new WakeWordDetector(features, [new(jarvis), new(alexa)]);
        var cpu0 = ProcessCpu();
        ReadOnlySpan<float> rest = audio;
        while (detector.Process(ref rest))
        {
        }

        var cpu = ProcessCpu() - cpu0;
        var (rss1, hwm1) = Rss();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(rss0 - rssStart) / 1048576.0:F1} | {(rss1 - rss0) / 1048576.0:F1} | {(hwm1 - Math.Max(hwm0, rss0)) / 1048576.0:F1} | {cpu.TotalMilliseconds / 60:0.00}"));
        return 0;
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
        Console.WriteLine();
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
        GateCpu(features, jarvis, speech);
    }

    /// <summary>
    /// The idle cost as the daemon pays it, with and without <c>Pipeline:WakeWord:VadGate</c>, in the same run: the
    /// default word (hey_jarvis, its default rule, the default hop) fed 32 ms windows, either straight to the
    /// detector (no gate: Silero does not run while idle) or through the front end's <c>WakeWordSpotter</c>
    /// after Silero v5 (the gate: Silero on every window, the chain only during speech and a second after, catching
    /// up 1.5 s at each onset). Over speech throughout and over a quiet room (faint brown noise) with four turns of speech.
    /// </summary>
    private static void GateCpu(WakeWordFeatureModels features, WakeWordModel jarvis, float[] speech)
    {
        var random = new Random(7);
        var seconds = 120;
        var talk = new float[16000 * seconds];
        for (var i = 0; i < talk.Length; i++)
        {
            talk[i] = speech[i % speech.Length];
        }

        var room = Noise(16000 * seconds, true, 0.003f, random);
        var turn = Math.Min(speech.Length, 16000 * 10);
        for (var k = 0; k < 4; k++)
        {
            for (var i = 0; i < turn; i++)
            {
                room[(16000 * ((30 * k) + 5)) + i] += speech[i];
            }
        }

        var options = new VoiceAppliance.Pipeline.WakeWordOptions { Enabled = true, VadGate = true };
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Silero gating (Pipeline:WakeWord:VadGate), hey_jarvis at its default rule, 80 ms hop (the daemon's default); process CPU per s of audio, {seconds} s each, in 32 ms windows"));
        Console.WriteLine("| audio | no gate: chain | gate: Silero + chain | audio the gated chain scored | gate / no gate |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (name, audio) in new[] { ("speech throughout", talk), (string.Create(CultureInfo.InvariantCulture, $"a quiet room (-50 dBFS brown noise), four {turn / 16000.0:0.0} s turns of speech"), room) })
        {
            using var plain = new WakeWordDetector(features, [WakeWordTarget.For(jarvis)], TimeSpan.FromSeconds(2), options.FineHopPreThreshold);
            var c0 = ProcessCpu();
            for (var i = 0; i + 512 <= audio.Length; i += 512)
            {
                ReadOnlySpan<float> w = audio.AsSpan(i, 512);
                while (plain.Process(ref w))
                {
                }
            }

            var ungated = (ProcessCpu() - c0).TotalMilliseconds / seconds;
            using var gated = new WakeWordDetector(features, [WakeWordTarget.For(jarvis)], TimeSpan.FromSeconds(2), options.FineHopPreThreshold);
            using var vad = SileroVad.Open(Path.Combine(BenchTools.Root(), "models", "silero_vad_v5.onnx"));
            var ring = new VoiceAppliance.Pipeline.AudioRing(16000 * 3);
            var spotter = new VoiceAppliance.Pipeline.WakeWordSpotter(gated, options, 0.5f, 16000, ring);
            c0 = ProcessCpu();
            for (var i = 0; i + 512 <= audio.Length; i += 512)
            {
                var w = audio.AsSpan(i, 512);
                ring.Write(w);
                spotter.Process(w, vad.Process(w));
            }

            var withGate = (ProcessCpu() - c0).TotalMilliseconds / seconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {ungated:0.00} ms ({ungated / 10:0.00} %) | {withGate:0.00} ms ({withGate / 10:0.00} %) | {gated.TotalFrames * 0.08:0} s of {seconds} s | {withGate / ungated:0.00} |"));
        }
    }

    private const int LeadSamples = 16000;

    private const string ScoresFormat = "bench wake scores v3";

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

    /// <summary>
    /// <paramref name="samples"/> of the background <see cref="Frame"/> puts under <paramref name="speech"/> (the floor
    /// and, with an SNR, white noise at the same level), from <paramref name="random"/>: the room heard before the clip.
    /// </summary>
    private static float[] Background(int samples, float[] speech, double? snr, Random random)
    {
        var floor = Noise(samples, false, 0.0005f, random);
        var power = speech.Select(a => (double)a * a).Where(p => p > 1e-6).DefaultIfEmpty(1e-6).Average();
        var gain = snr is { } s ? (float)Math.Sqrt(power / Math.Pow(10, s / 10)) : 0f;
        var noise = snr is null ? null : Noise(samples, false, 1f, random);
        for (var i = 0; i < samples; i++)
        {
            floor[i] += noise is null ? 0f : noise[i] * gain;
        }

        return floor;
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
            || !BenchTools.Exec("sox", ["-D", raw, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", pcm], out _))
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

    private static (long Rss, long Peak) Rss()
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return (rss, peak);
    }

    /// <summary>The process's CPU time (user + system, all threads: ORT runs these models on the calling thread).</summary>
    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
