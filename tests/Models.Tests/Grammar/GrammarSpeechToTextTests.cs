using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Tests.Whisper;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Grammar;

/// <summary>Speaks the test commands with espeak-ng (converted to 16 kHz mono by sox) once per class, in a temp dir.</summary>
public sealed class SpokenCommandsFixture : IDisposable
{
    public static readonly string[] Templates =
    [
        "turn (on|off){state} the (kitchen|bedroom|living room){room} light",
        "what time is it",
        "set the volume to (ten|twenty|thirty|forty|fifty) percent",
        "(stop|cancel)",
    ];

    private readonly string _dir = TestPaths.NewTempDirectory("spoken");
    private readonly Dictionary<string, float[]> _audio = new(StringComparer.Ordinal);

    public float[] Speak(string text, string voice = "en-us")
    {
        var key = voice + "|" + text;
        lock (_audio)
        {
            if (!_audio.TryGetValue(key, out var samples))
            {
                var raw = Path.Combine(_dir, $"{_audio.Count}-raw.wav");
                var wav = Path.Combine(_dir, $"{_audio.Count}.wav");
                ExternalTool.Run("espeak-ng", ["-v", voice, "-s", "150", "-w", raw, text]);
                ExternalTool.Run("sox", ["-D", raw, "-r", "16000", "-c", "1", "-b", "16", wav, "pad", "0.3", "0.3"]); // -D: no dither, the same file every run
                samples = TestAudio.ReadWav16kMono(wav);
                _audio[key] = samples;
            }

            return samples;
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

}

public sealed class GrammarSpeechToTextTests(SpokenCommandsFixture spoken, ITestOutputHelper output) : IClassFixture<SpokenCommandsFixture>
{
    private static readonly Lazy<GrammarSpeechToText> s_engine = new(() => new GrammarSpeechToText(JsgfGrammar.FromSentences(SpokenCommandsFixture.Templates)));

    [RequiresProgramFact("espeak-ng")]
    public async Task Espeak_commands_are_recognised_exactly()
    {
        foreach (var command in new[] { "turn on the kitchen light", "what time is it", "set the volume to forty percent", "turn off the bedroom light" })
        {
            var audio = spoken.Speak(command);
            var result = s_engine.Value.Recognize(audio);
            output.WriteLine($"'{command}' -> '{result.Text}' confidence {result.Confidence:0.000} accepted {result.Accepted} [{result.Start}..{result.End}]");
            Assert.Equal(command, result.Text);
            Assert.True(result.Accepted, $"'{command}' rejected with confidence {result.Confidence}");
            Assert.InRange(result.End, result.Start, TimeSpan.FromSeconds(audio.Length / 16000.0));

            var segments = await WhisperEngineTests.Collect(s_engine.Value, audio);
            Assert.Equal(command, Assert.Single(segments).Text);
        }
    }

    [RequiresProgramFact("espeak-ng")]
    public void A_second_espeak_voice_is_recognised_too()
    {
        var result = s_engine.Value.Recognize(spoken.Speak("what time is it", "en-us+m3"));
        output.WriteLine($"-> '{result.Text}' {result.Confidence:0.000}");
        Assert.Equal("what time is it", result.Text);
    }

    [Fact]
    public async Task Unrelated_speech_is_rejected_or_scored_below_every_command()
    {
        var jfk = TestAudio.ReadWav16kMono(TestPaths.Model("samples/jfk.wav"));
        var result = s_engine.Value.Recognize(jfk);
        output.WriteLine($"jfk -> '{result.Text}' confidence {result.Confidence:0.000} accepted {result.Accepted}");
        Assert.False(result.Accepted, $"jfk.wav accepted as '{result.Text}' with confidence {result.Confidence}");
        Assert.Empty(await WhisperEngineTests.Collect(s_engine.Value, jfk));
    }

    [RequiresProgramFact("espeak-ng")]
    public void Unrelated_espeak_sentence_is_rejected()
    {
        var result = s_engine.Value.Recognize(spoken.Speak("the quick brown fox jumps over the lazy dog"));
        output.WriteLine($"fox -> '{result.Text}' confidence {result.Confidence:0.000} accepted {result.Accepted}");
        Assert.False(result.Accepted, $"accepted as '{result.Text}' with confidence {result.Confidence}");
    }

    [RequiresProgramFact("espeak-ng")]
    public void Short_phrases_near_the_commands_are_rejected_and_score_below_the_commands()
    {
        var commands = new[] { "turn on the kitchen light", "what time is it", "set the volume to forty percent" }
            .Select(c => s_engine.Value.Recognize(spoken.Speak(c))).ToList();
        foreach (var phrase in new[] { "open the garage door", "play some music in the kitchen", "turn up the heating", "what is the weather like" })
        {
            var result = s_engine.Value.Recognize(spoken.Speak(phrase));
            output.WriteLine($"'{phrase}' -> '{result.Text}' confidence {result.Confidence:0.000} accepted {result.Accepted}");
            Assert.False(result.Accepted, $"'{phrase}' accepted as '{result.Text}' with confidence {result.Confidence}");
            Assert.True(result.Confidence < commands.Min(c => c.Confidence), $"'{phrase}' scored {result.Confidence}, above a real command");
        }
    }

    [RequiresProgramFact("espeak-ng")]
    public void The_threshold_decides_and_the_best_guess_is_kept_when_rejected()
    {
        var audio = spoken.Speak("turn off the living room light");
        using var lenient = new GrammarSpeechToText(s_engine.Value.Jsgf, new GrammarOptions { RejectionThreshold = 0f });
        var a = lenient.Recognize(audio);
        // The threshold applies to the confidence weighed by the word durations (WordDurations).
        var weighed = a.Confidence * a.DurationFactor;
        Assert.InRange(weighed, 0.01f, 0.98f);
        using var strict = new GrammarSpeechToText(s_engine.Value.Jsgf, new GrammarOptions { RejectionThreshold = weighed + 0.01f });
        var b = strict.Recognize(audio);
        output.WriteLine($"lenient '{a.Text}' {a.Confidence:0.000} x {a.DurationFactor:0.00} {a.Accepted}; strict '{b.Text}' {b.Confidence:0.000} x {b.DurationFactor:0.00} {b.Accepted}");
        Assert.True(a.Accepted);
        Assert.False(b.Accepted);
        Assert.Equal(a.Text, b.Text);
        Assert.Equal(a.Confidence, b.Confidence);
        Assert.Equal(a.DurationFactor, b.DurationFactor);
        Assert.Equal("turn off the living room light", b.Text);
    }

    [RequiresProgramFact("espeak-ng")]
    public void One_decoder_in_turn_and_two_in_parallel_agree()
    {
        using var sequential = new GrammarSpeechToText(s_engine.Value.Jsgf, new GrammarOptions { ConcurrentPasses = false });
        using var concurrent = new GrammarSpeechToText(s_engine.Value.Jsgf, new GrammarOptions { ConcurrentPasses = true });
        foreach (var phrase in new[] { "turn on the bedroom light", "open the garage door", "what time is it" })
        {
            var audio = spoken.Speak(phrase);
            var a = sequential.Recognize(audio);
            var b = concurrent.Recognize(audio);
            output.WriteLine($"'{phrase}': one decoder '{a.Text}' {a.Confidence:0.000} {a.Accepted}; two '{b.Text}' {b.Confidence:0.000} {b.Accepted}");
            Assert.Equal(a.Text, b.Text);
            Assert.Equal(a.Accepted, b.Accepted);
            Assert.InRange(b.Confidence, a.Confidence * 0.9f, (a.Confidence * 1.1f) + 1e-6f);
        }

        Assert.True(sequential.LastScore.PhoneLoop.Frames > 0, "the one-decoder mode ran no phone-loop pass");
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void A_threshold_outside_0_to_1_is_refused(float threshold)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new GrammarSpeechToText(JsgfGrammar.FromSentences(["stop"]), new GrammarOptions { RejectionThreshold = threshold }));
        Assert.Contains("RejectionThreshold", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silence_is_not_a_command()
    {
        var result = s_engine.Value.Recognize(new float[16000]);
        output.WriteLine($"silence -> '{result.Text}' {result.Confidence}");
        Assert.False(result.Accepted);

        // Nor is it half a command (no pause is extended for it).
        var guess = await s_engine.Value.GuessAsync(new float[16000], CancellationToken.None);
        Assert.Equal(string.Empty, guess.Text);
        Assert.False(guess.Unfinished);
    }

    [Fact]
    public void Out_of_vocabulary_words_are_all_listed_with_the_fix()
    {
        var jsgf = JsgfGrammar.FromSentences(["turn on the zorbulator", "open the flibbertyjib"]);
        var ex = Assert.Throws<ArgumentException>(() => new GrammarSpeechToText(jsgf));
        Assert.Contains("zorbulator, flibbertyjib", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Pronunciations", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Added_pronunciations_make_a_new_word_usable()
    {
        var jsgf = JsgfGrammar.FromSentences(["turn on the zorbulator"]);
        using var engine = new GrammarSpeechToText(jsgf, new GrammarOptions { Pronunciations = new Dictionary<string, string> { ["zorbulator"] = "Z AO R B Y AH L EY T ER" } });
        Assert.True(engine.IsInDictionary("zorbulator"));
        Assert.False(engine.IsInDictionary("flibbertyjib"));
    }

    [Fact]
    public void Invalid_jsgf_is_rejected_with_pocketsphinx_words()
    {
        var ex = Assert.Throws<ArgumentException>(() => new GrammarSpeechToText("#JSGF V1.0;\ngrammar x;\npublic <a> = (turn on;\n"));
        Assert.Contains("ps_set_jsgf_string", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_names_the_debian_package()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => new GrammarSpeechToText(JsgfGrammar.FromSentences(["stop"]), new GrammarOptions { AcousticModel = "/nonexistent/en-us" }));
        Assert.Contains("pocketsphinx-en-us", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_short_audio_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => s_engine.Value.Recognize(new float[800]));
    }

    [Fact]
    public void Cancellation_before_decoding_throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => s_engine.Value.Recognize(new float[16000], cts.Token));
    }
}
