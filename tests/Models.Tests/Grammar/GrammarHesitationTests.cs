using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Tests.Whisper;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Grammar;

/// <summary>
/// Issue 17: a command with a hesitation inside it, the two parts spoken separately and joined by exact zeros (as bench
/// endpointing builds them, and as a capture that pads with zeros delivers them). The zeros (up to 1.6 s of a 3 s
/// utterance) dragged the utterance's cepstral mean: espeak-ng en-us "turn off the ... kitchen light" came out as
/// "turn on" and "set a timer for ... ten minutes" as "two minute". Long runs of exact zeros are now shortened to a
/// 20 ms gap before decoding, and the result's times are those of the caller's audio.
/// </summary>
public sealed class GrammarHesitationTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Sentences =
    [
        "[please] what time is it", "tell me the time",
        "turn (on|off) the (kitchen|bedroom|living room) (light|lights)",
        "(start|set) a timer for (one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty) (minute|minutes)",
        "set the volume to (ten|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety) [five] percent",
    ];

    private readonly GrammarSpeechToText _engine = new(JsgfGrammar.FromSentences(Sentences));
    private readonly string _dir = TestPaths.NewTempDirectory("hesitation");

    [Fact]
    public void Long_runs_of_zeros_shrink_to_the_gap_and_times_map_back()
    {
        const int Gap = GrammarSpeechToText.DigitalSilenceGap, Run = GrammarSpeechToText.MinDigitalSilenceRun;

        // 160 samples of sound, 3000 zeros, 160 of sound, a short run of zeros (kept), 160 of sound, 2000 zeros.
        var pcm = new short[160 + 3000 + 160 + (Run - 1) + 160 + 2000];
        pcm.AsSpan(0, 160).Fill(100);
        pcm.AsSpan(3160, 160).Fill(-100);
        pcm.AsSpan(3320 + Run - 1, 160).Fill(50);
        var gaps = new List<(int End, int Removed)>();
        var length = GrammarSpeechToText.ShortenDigitalSilence(pcm, gaps);

        Assert.Equal(160 + Gap + 160 + (Run - 1) + 160 + Gap, length);
        Assert.Equal([(160 + Gap, 3000 - Gap), (length, 2000 - Gap)], gaps);
        Assert.All(pcm.AsSpan(160, Gap).ToArray(), s => Assert.Equal(0, s));
        Assert.All(pcm.AsSpan(160 + Gap, 160).ToArray(), s => Assert.Equal(-100, s));
        Assert.All(pcm.AsSpan(320 + Gap + Run - 1, 160).ToArray(), s => Assert.Equal(50, s));

        // Before every gap: unchanged. The second burst starts at sample 160 + Gap decoded, 3160 in the caller's audio.
        // A frame inside the kept gap: a start there maps to the next sound (3160), an end to the last one's end (160).
        Assert.Equal(TimeSpan.FromSeconds(0.01), GrammarSpeechToText.OriginalTime(1, gaps, start: false));
        Assert.Equal(TimeSpan.FromSeconds(3160 / 16000.0), GrammarSpeechToText.OriginalTime((160 + Gap) / 160, gaps, start: true));
        Assert.Equal(TimeSpan.FromSeconds(3320 / 16000.0), GrammarSpeechToText.OriginalTime((160 + Gap + 160) / 160, gaps, start: false));
        Assert.Equal(TimeSpan.FromSeconds(3160 / 16000.0), GrammarSpeechToText.OriginalTime(2, gaps, start: true));
        Assert.Equal(TimeSpan.FromSeconds(160 / 16000.0), GrammarSpeechToText.OriginalTime(2, gaps, start: false));

        // Audio without such a run is left alone.
        short[] sound = [0, 0, 3, 0, -2, 0];
        Assert.Equal(sound.Length, GrammarSpeechToText.ShortenDigitalSilence(sound.AsSpan(), gaps));
        Assert.Empty(gaps);
        Assert.Equal([0, 0, 3, 0, -2, 0], sound);
    }

    [RequiresProgramFact("espeak-ng")]
    public void A_hesitation_between_zeros_is_understood_whole()
    {
        // espeak-ng en-us, each part synthesised alone and trimmed, joined by 450 ms of zeros, 0.3 s of zeros before
        // and 0.7 s after (bench endpointing's hesitation through its microphone). Before: "turn on the kitchen
        // light" accepted (0.18) and "set a timer for two minute" refused.
        foreach (var (before, after, expected) in new[]
        {
            ("turn off the", "kitchen light", "turn off the kitchen light"),
            ("set a timer for", "ten minutes", "set a timer for ten minutes"),
        })
        {
            var first = Speak(before);
            var second = Speak(after);
            var audio = new float[4800 + first.Length + 7200 + second.Length + 11200];
            first.CopyTo(audio, 4800);
            second.CopyTo(audio, 4800 + first.Length + 7200);
            var result = _engine.Recognize(audio);
            output.WriteLine($"'{before} ... {after}' -> '{result.Text}' {result.Confidence:0.000} accepted {result.Accepted}, {result.Start.TotalSeconds:0.00}-{result.End.TotalSeconds:0.00} s");
            Assert.Equal(expected.TrimEnd('s'), result.Text.TrimEnd('s')); // "minute" or "minutes": the same intent
            Assert.True(result.Accepted, $"'{expected}' rejected with confidence {result.Confidence}");

            // The times are the caller's: the first word starts near 0.3 s, the last ends near the second part's end.
            Assert.InRange(result.Start.TotalSeconds, 0.2, 0.45);
            var secondEnd = (4800 + first.Length + 7200 + second.Length) / 16000.0;
            Assert.InRange(result.End.TotalSeconds, secondEnd - 0.15, secondEnd + 0.1);
        }
    }

    public void Dispose()
    {
        _engine.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private float[] Speak(string text)
    {
        var raw = Path.Combine(_dir, "raw.wav");
        var wav = Path.Combine(_dir, "part.wav");
        ExternalTool.Run("espeak-ng", ["-v", "en-us", "-s", "160", "-w", raw, text]);
        ExternalTool.Run("sox", ["-D", raw, "-r", "16000", "-c", "1", "-b", "16", wav]); // -D: no dither, the same file every run
        var speech = TestAudio.ReadWav16kMono(wav);
        var start = Array.FindIndex(speech, s => MathF.Abs(s) > 0.01f);
        var end = Array.FindLastIndex(speech, s => MathF.Abs(s) > 0.01f);
        return speech[start..(end + 1)];
    }
}
