using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Tests.Whisper;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Grammar;

/// <summary>
/// Issue 17: a guess taken in a pause reports the best path whether or not it was accepted, that path's confidence and
/// where its last word starts, so the pipeline can tell a word the grammar forced onto the pause from a spoken one.
/// espeak-ng en-us at 160 words a minute (deterministic with <c>sox -D</c>), 0.3 s before and 0.25 s after the speech
/// (a guess taken 200 ms into a pause).
/// </summary>
public sealed class GrammarGuessPathTests(ITestOutputHelper output) : IDisposable
{
    private const double Before = 0.3;

    private static readonly string[] Sentences =
    [
        "set the volume to (one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|seventy) [percent]",
        "turn (on|off) the (kitchen|bedroom) light", "what time is it",
    ];

    private readonly string _dir = TestPaths.NewTempDirectory("guess-path");

    [RequiresProgramFact("espeak-ng")]
    public async Task A_number_forced_after_a_command_s_first_words_starts_where_the_speech_ends()
    {
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences));
        var (audio, speechEnd) = Speak("set the volume to");
        var guess = await engine.GuessAsync(audio, CancellationToken.None);
        output.WriteLine($"path '{guess.BestPath}' ({guess.BestPathConfidence:0.00}), accepted '{guess.Text}', last word from {guess.LastWordStart?.TotalSeconds:0.000} s; speech ends at {speechEnd:0.000} s");

        // The grammar cannot end on "to": its best path goes on with a number the audio does not hold.
        Assert.StartsWith("set the volume to ", guess.BestPath, StringComparison.Ordinal);
        Assert.Equal(5, guess.BestPath.Split(' ').Length);
        Assert.InRange(guess.BestPathConfidence, float.Epsilon, 1f);
        Assert.NotNull(guess.LastWordStart);

        // That number is placed at the end of the speech or in the silence after it, not over the command's words.
        Assert.True(guess.LastWordStart!.Value.TotalSeconds >= speechEnd - 0.1, $"the forced word starts at {guess.LastWordStart.Value.TotalSeconds:0.000} s, inside the speech (which ends at {speechEnd:0.000} s)");
    }

    [RequiresProgramFact("espeak-ng")]
    public async Task A_spoken_command_s_last_word_starts_inside_the_speech()
    {
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences));
        var (audio, speechEnd) = Speak("turn on the kitchen light");
        var guess = await engine.GuessAsync(audio, CancellationToken.None);
        var result = engine.Recognize(audio);
        output.WriteLine($"path '{guess.BestPath}' ({guess.BestPathConfidence:0.00}), accepted '{guess.Text}', last word from {guess.LastWordStart?.TotalSeconds:0.000} s; speech ends at {speechEnd:0.000} s");

        Assert.Equal("turn on the kitchen light", guess.Text);
        Assert.Equal(guess.Text, guess.BestPath);
        Assert.Equal(guess.Confidence, guess.BestPathConfidence);
        Assert.True(guess.LastWordStart!.Value.TotalSeconds < speechEnd - 0.15, "the spoken last word should start well before the speech ends");
        Assert.InRange(result.LastWordStart, result.Start, result.End);
        Assert.Equal(guess.LastWordStart.Value, result.LastWordStart);
    }

    [Fact]
    public async Task Silence_has_no_path_and_no_timing()
    {
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences));
        var guess = await engine.GuessAsync(new float[16000], CancellationToken.None);
        Assert.Equal(string.Empty, guess.BestPath);
        Assert.Null(guess.LastWordStart);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The speech trimmed at 1 %, <see cref="Before"/> s of silence before and 0.25 s after; and where the speech ends.</summary>
    private (float[] Audio, double SpeechEnd) Speak(string text)
    {
        var raw = Path.Combine(_dir, "raw.wav");
        var wav = Path.Combine(_dir, "cmd.wav");
        ExternalTool.Run("espeak-ng", ["-v", "en-us", "-s", "160", "-w", raw, text]);
        ExternalTool.Run("sox", ["-D", raw, "-r", "16000", "-c", "1", "-b", "16", wav, "silence", "1", "0.01", "1%", "reverse", "silence", "1", "0.01", "1%", "reverse", "pad", Before.ToString(System.Globalization.CultureInfo.InvariantCulture), "0.25"]);
        var audio = TestAudio.ReadWav16kMono(wav);
        return (audio, (audio.Length / 16000.0) - 0.25);
    }
}
