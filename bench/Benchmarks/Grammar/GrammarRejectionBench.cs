using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Benchmarks.Grammar;

/// <summary>
/// <c>./build.sh bench grammar [--verbose]</c>: how well the grammar recogniser tells the commands of
/// config/intents.json from other speech. Commands and out-of-grammar phrases are spoken by several Piper
/// speakers and espeak-ng voices, framed like a VAD segment (0.3 s pre-roll, 0.6 s trailing silence, faint
/// noise), and decoded clean and with brown noise at 20 and 10 dB SNR. The table gives, at the default
/// rejection threshold, the commands recognised exactly, accepted wrongly and refused, and the other speech
/// accepted (false accepts).
/// </summary>
public static class GrammarRejectionBench
{
    internal static readonly string[] Commands =
    [
        "what time is it", "please what time is it", "tell me the time", "what day is it", "what date is it today",
        "turn on the kitchen light", "turn off the bedroom lights", "turn the living room light on", "turn on the living room lights",
        "set the volume to forty percent", "set the volume to seventy five", "set the volume to one hundred percent",
        "start a timer for five minutes", "set a timer for twenty minutes", "start a timer for one minute",
        "stop listening", "mute the microphone",
    ];

    internal static readonly string[] OtherSpeech =
    [
        "open the garage door", "tell me a story about penguins", "play some music in the kitchen",
        "please play some jazz music in the garden", "play the next song", "hello", "what is the weather like today",
        "who won the football game last night", "turn up the heating", "call my mother", "how old is the moon",
        "set an alarm for seven in the morning", "what is the capital of france", "lock the front door",
        "close the blinds in the bedroom", "add milk to the shopping list", "read me the news", "good morning",
        "thank you very much", "what time does the shop close", "the quick brown fox jumps over the lazy dog",
        "my favourite colour is green and I like to walk by the river on sunny mornings",
        "could you please remind me to call my grandmother tomorrow afternoon about the birthday party",
        "turn on the television", "is it going to rain tomorrow", "where are my keys",
    ];

    private static readonly int[] PiperSpeakers = [0, 20, 100, 250, 400, 600, 800];
    private static readonly string[] EspeakVoices = ["en-us", "en-us+m3", "en-us+f3", "en"];

    /// <summary>Entry point.</summary>
    public static int Run(string[] args)
    {
        var intentsPath = Path.Combine(BenchTools.Root(), "config", "intents.json");
        var (jsgf, recognizer) = BenchSpeech.LoadGrammar(intentsPath);

        string Meaning(string text) => BenchSpeech.Meaning(recognizer, text);

        var dir = Directory.CreateTempSubdirectory("grammar-bench").FullName;
        try
        {
            var samples = new List<(bool InGrammar, string Voice, string Text, float[] Audio)>();
            var piper = SpeechSamples.Voice();
            foreach (var speaker in PiperSpeakers)
            {
                foreach (var (inGrammar, text) in Commands.Select(c => (true, c)).Concat(OtherSpeech.Select(o => (false, o))))
                {
                    var audio = AudioResampler.Resample(piper.Synthesize(text, new SynthesisOptions { Speaker = speaker, SentenceSilence = TimeSpan.Zero }), piper.SampleRate, 16000);
                    samples.Add((inGrammar, $"piper:{speaker}", text, Frame(audio, speaker)));
                }
            }

            foreach (var voice in EspeakVoices)
            {
                foreach (var (inGrammar, text) in Commands.Select(c => (true, c)).Concat(OtherSpeech.Select(o => (false, o))))
                {
                    var audio = Espeak(dir, voice, text);
                    if (audio is null)
                    {
                        Console.WriteLine("espeak-ng or sox missing: espeak voices skipped");
                        break;
                    }

                    samples.Add((inGrammar, $"espeak:{voice}", text, Frame(audio, voice.Length)));
                }
            }

            var seconds = samples.Sum(x => x.Audio.Length) / 16000.0;
            using var engine = new GrammarSpeechToText(jsgf);
            var threshold = GrammarOptions.DefaultRejectionThreshold;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{samples.Count} utterances ({samples.Count(x => x.InGrammar)} commands, {samples.Count(x => !x.InGrammar)} other speech; {seconds:0} s), {PiperSpeakers.Length} Piper speakers + {EspeakVoices.Length} espeak-ng voices; threshold {threshold}"));
            Console.WriteLine();
            Console.WriteLine("| condition | commands understood (intent and slots) | commands misunderstood | commands refused | other speech accepted | ms per utterance (median) | RTF |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            var verbose = args.Contains("--verbose");
            foreach (var snr in new double?[] { null, 20, 10 })
            {
                var rows = new List<(bool InGrammar, string Voice, string Text, GrammarResult Result, float LogRatio, float Unexplained)>();
                var times = new List<double>();
                double grammarMs = 0, loopMs = 0;
                var random = new Random(7);
                foreach (var (inGrammar, voice, text, clean) in samples)
                {
                    var audio = snr is null ? clean : AddNoise(clean, snr.Value, random);
                    var watch = Stopwatch.StartNew();
                    var result = engine.Recognize(audio);
                    times.Add(watch.Elapsed.TotalMilliseconds / (audio.Length / 16000.0));
                    rows.Add((inGrammar, voice, text, result, engine.LastScore.LogRatio, engine.LastScore.UnexplainedShare));
                    grammarMs += engine.LastScore.GrammarTime.TotalMilliseconds;
                    loopMs += engine.LastScore.PhoneLoopTime.TotalMilliseconds;
                }

                var condition = snr is null ? "clean" : $"brown noise, SNR {snr} dB";
                if (verbose)
                {
                    foreach (var r in rows.OrderBy(r => r.InGrammar).ThenBy(r => r.Result.Confidence))
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{condition} {(r.InGrammar ? "IN " : "OUT")} {(r.Result.Accepted ? "acc" : "rej")} {r.Result.Confidence:0.000} ({r.LogRatio:0.00}) unexplained {r.Unexplained:0.00} {r.Voice,-16} '{r.Text}' -> '{r.Result.Text}'"));
                    }
                }

                var commands = rows.Where(r => r.InGrammar).ToList();
                var others = rows.Where(r => !r.InGrammar).ToList();
                var exact = commands.Count(r => r.Result.Accepted && Meaning(r.Result.Text) == Meaning(r.Text));
                var wrong = commands.Count(r => r.Result.Accepted && Meaning(r.Result.Text) != Meaning(r.Text));
                var refused = commands.Count(r => !r.Result.Accepted);
                var falseAccepts = others.Count(r => r.Result.Accepted);
                var msPerUtterance = Median(rows.Select((r, i) => times[i] * samples[i].Audio.Length / 16000.0).ToList());
                var rtf = times.Average() / 1000;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {condition} | {exact}/{commands.Count} ({exact / (double)commands.Count:P1}) | {wrong} | {refused} ({refused / (double)commands.Count:P1}) | {falseAccepts}/{others.Count} ({falseAccepts / (double)others.Count:P1}) | {msPerUtterance:0} | {rtf:0.000} |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"|   time split: grammar pass {grammarMs / (grammarMs + loopMs):P0}, phone-loop pass {loopMs / (grammarMs + loopMs):P0} | | | | | | |"));
                foreach (var r in commands.Where(r => r.Result.Accepted && Meaning(r.Result.Text) != Meaning(r.Text)))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"|   misunderstood: {r.Voice} '{r.Text}' -> '{r.Result.Text}' ({r.Result.Confidence:0.000}) | | | | | | |"));
                }

                foreach (var r in others.Where(r => r.Result.Accepted))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"|   false accept: {r.Voice} '{r.Text}' -> '{r.Result.Text}' ({r.Result.Confidence:0.000}) | | | | | | |"));
                }
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static float[] AddNoise(float[] clean, double snrDb, Random random)
    {
        var power = clean.Select(a => (double)a * a).Where(p => p > 1e-6).DefaultIfEmpty(1e-6).Average();
        var noise = new double[clean.Length];
        double brown = 0;
        for (var i = 0; i < noise.Length; i++)
        {
            brown = (0.98 * brown) + (random.NextDouble() - 0.5);
            noise[i] = brown;
        }

        var scale = Math.Sqrt(power / Math.Pow(10, snrDb / 10) / noise.Select(n => n * n).Average());
        var audio = new float[clean.Length];
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] = (float)Math.Clamp(clean[i] + (scale * noise[i]), -1, 1);
        }

        return audio;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    internal static float[] Frame(float[] speech, int seed) => SpeechSamples.FramedLikeVadSegment(speech, seed);

    internal static float[]? Espeak(string dir, string voice, string text, int wordsPerMinute = 160)
    {
        var raw = Path.Combine(dir, "raw.wav");
        var wav = Path.Combine(dir, "out.raw");
        if (!BenchTools.Exec("espeak-ng", ["-v", voice, "-s", wordsPerMinute.ToString(CultureInfo.InvariantCulture), "-w", raw, text], out _) || !BenchTools.Exec("sox", ["-D", raw, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", wav], out _))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(wav);
        var audio = new float[bytes.Length / 2];
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] = BitConverter.ToInt16(bytes, 2 * i) / 32768f;
        }

        return audio;
    }
}
