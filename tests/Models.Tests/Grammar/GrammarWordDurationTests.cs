using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Grammar;

/// <summary>
/// Issue 17, item 6: the grammar STT weighs its acoustic confidence by how evenly the command's words fill their
/// alignment (<see cref="WordDurations"/>). The arithmetic, then real audio: espeak-ng (deterministic with
/// <c>sox -D</c>) speaking a command evenly and with one word drawn out by SSML prosody.
/// </summary>
public sealed class GrammarWordDurationTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Sentences =
    [
        "[please] what time is it", "turn (on|off) the (kitchen|bedroom|living room) (light|lights)",
        "set a timer for (one|two|five|ten|twenty) (minute|minutes)", "stop listening",
    ];

    private readonly string _dir = TestPaths.NewTempDirectory("word-durations");

    [Fact]
    public void A_word_s_expected_length_is_the_sum_of_its_phones()
    {
        var what = WordDurations.ExpectedFrames("W AH T"u8);
        Assert.Equal(WordDurations.PhoneFrames("W"u8) + WordDurations.PhoneFrames("AH"u8) + WordDurations.PhoneFrames("T"u8), what, 3);
        Assert.InRange(what, 15f, 22f);

        // A diphthong is longer than a short vowel; an unknown phone counts as a typical consonant.
        Assert.True(WordDurations.PhoneFrames("AY"u8) > WordDurations.PhoneFrames("IH"u8));
        Assert.Equal(WordDurations.PhoneFrames("ZH"u8), WordDurations.PhoneFrames("QQ"u8));
        Assert.Equal(0f, WordDurations.ExpectedFrames(""u8));
        Assert.Equal(WordDurations.ExpectedFrames("T AY M"u8), WordDurations.ExpectedFrames(" T  AY M "u8), 3);
    }

    [Fact]
    public void The_spread_is_the_largest_deviation_from_the_speaker_s_rate()
    {
        // Every word at twice its typical length: a slow speaker, no spread, the largest factor.
        ReadOnlySpan<(int, float)> slow = [(20, 10f), (30, 15f), (16, 8f)];
        Assert.Equal(0f, WordDurations.Spread(slow), 4);
        Assert.Equal(MathF.Exp(WordDurations.ReferenceSpread), WordDurations.Factor(WordDurations.Spread(slow)), 4);

        // One word squeezed to a quarter of the others' rate.
        ReadOnlySpan<(int, float)> squeezed = [(10, 10f), (15, 15f), (2, 8f)];
        var rate = (0 + 0 + Math.Log(0.25)) / 3;
        Assert.Equal((float)Math.Abs(Math.Log(0.25) - rate), WordDurations.Spread(squeezed), 4);
        Assert.True(WordDurations.Factor(WordDurations.Spread(squeezed)) < 1f);

        // Fewer than three words with a pronunciation: no spread, the factor is 1.
        ReadOnlySpan<(int, float)> two = [(40, 10f), (5, 15f), (9, 0f)];
        Assert.Equal(WordDurations.ReferenceSpread, WordDurations.Spread(two));
        Assert.Equal(1f, WordDurations.Factor(WordDurations.Spread(two)), 5);
    }

    [RequiresProgramFact("espeak-ng")]
    public void A_word_squeezed_far_below_its_phones_time_lowers_the_factor_and_the_threshold_uses_it()
    {
        // A slow speaker (90 words a minute), once evenly and once with "kitchen" at five times the rate (espeak-ng
        // caps how far SSML slows a word, not how far it speeds one up).
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences));
        var even = engine.Recognize(Speak("turn on the kitchen light"));
        var evenSpread = engine.LastScore.DurationSpread;
        var drawn = engine.Recognize(Speak("turn on the <prosody rate=\"500%\">kitchen</prosody> light"));
        var drawnSpread = engine.LastScore.DurationSpread;
        output.WriteLine($"even: '{even.Text}' confidence {even.Confidence:0.000} x {even.DurationFactor:0.00} (spread {evenSpread:0.00}); squeezed: '{drawn.Text}' confidence {drawn.Confidence:0.000} x {drawn.DurationFactor:0.00} (spread {drawnSpread:0.00})");

        Assert.Equal("turn on the kitchen light", even.Text);
        Assert.Equal("turn on the kitchen light", drawn.Text);
        Assert.True(even.DurationFactor > 1f, $"an evenly spoken command has factor {even.DurationFactor} (spread {evenSpread})");
        Assert.True(drawnSpread > evenSpread + 0.3f, $"squeezing 'kitchen' moved the spread from {evenSpread} to {drawnSpread}");
        Assert.True(drawn.DurationFactor < 1f, $"factor {drawn.DurationFactor}");

        foreach (var r in new[] { even, drawn })
        {
            Assert.Equal(r.Confidence * r.DurationFactor >= engine.RejectionThreshold && r.UnexplainedSpeech <= new GrammarOptions().MaxUnexplainedSpeech, r.Accepted);
        }
    }

    [RequiresProgramFact("espeak-ng")]
    public void Two_word_commands_keep_their_acoustic_confidence()
    {
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences));
        var result = engine.Recognize(Speak("stop listening", 160));
        output.WriteLine($"'{result.Text}' confidence {result.Confidence:0.000} x {result.DurationFactor:0.00}");
        Assert.Equal("stop listening", result.Text);
        Assert.Equal(1f, result.DurationFactor);
        Assert.Equal(WordDurations.ReferenceSpread, engine.LastScore.DurationSpread);
    }

    [RequiresProgramFact("espeak-ng")]
    public void A_command_starts_at_its_first_spoken_word_when_an_optional_first_word_is_skipped()
    {
        // "[please] what time is it" without "please": pocketsphinx reports the skip as a one-frame "(NULL)" segment at
        // the utterance's first frame. The command starts at "what", after the 0.3 s of noise before the speech, not at 0.
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences));
        engine.Trace = true;
        var result = engine.Recognize(Speak("what time is it", 160));
        output.WriteLine($"'{result.Text}' {result.Start.TotalMilliseconds:0}-{result.End.TotalMilliseconds:0} ms, word frames {engine.LastScore.WordFrames}; segments {string.Join(" ", engine.GrammarTrace.Select(s => $"{s.Word}:{s.Start}-{s.End}"))}");
        Assert.Equal("what time is it", result.Text);
        Assert.Contains(engine.GrammarTrace, s => s.Word == "(NULL)");
        Assert.InRange(result.Start, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500));
        var what = engine.GrammarTrace.First(s => s.Word == "what");
        Assert.Equal(what.Start / 100.0, result.Start.TotalSeconds, 3);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>espeak-ng en-us SSML at <paramref name="wordsPerMinute"/>, framed like a VAD segment.</summary>
    private float[] Speak(string ssml, int wordsPerMinute = 90) => EspeakUtterance.Speak(_dir, ssml, "en-us", wordsPerMinute, noiseSeed: 7, ssml: true);
}
