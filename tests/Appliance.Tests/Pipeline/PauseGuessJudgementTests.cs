using VoiceAppliance.Models;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Tests.Pipeline;

/// <summary>The rule that reads a pause's guess against the VAD's last voiced frame (issue 17: a forced last word).</summary>
public sealed class PauseGuessJudgementTests
{
    private static readonly TimeSpan LastVoiced = TimeSpan.FromSeconds(1.5);

    private static SpeechGuess Guess(string path, double lastWordStart, bool accepted = false) =>
        new(accepted ? path : string.Empty, accepted ? 0.9f : 0f, Unfinished: false)
        {
            BestPath = path,
            BestPathConfidence = accepted ? 0.9f : 0.1f,
            LastWordStart = TimeSpan.FromSeconds(lastWordStart),
        };

    [Theory]
    [InlineData(1.7)] // wholly in the pause
    [InlineData(1.5)] // starts on the last voiced frame
    [InlineData(1.45)] // inside the VAD's hangover
    public void A_last_word_in_the_pause_leaves_the_words_before_it(double start)
    {
        Assert.Equal("set the volume to", PauseGuessJudgement.SpokenPrefix(Guess("set the volume to two", start), LastVoiced));
        Assert.Equal("set the volume to", PauseGuessJudgement.SpokenPrefix(Guess("set the volume to two", start, accepted: true), LastVoiced));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.3)]
    public void A_last_word_that_overlaps_the_speech_is_no_forced_word(double start) =>
        Assert.Null(PauseGuessJudgement.SpokenPrefix(Guess("turn on the kitchen light", start, accepted: true), LastVoiced));

    [Fact]
    public void The_tolerance_is_the_edge()
    {
        var edge = (LastVoiced - PauseGuessJudgement.Tolerance).TotalSeconds;
        Assert.NotNull(PauseGuessJudgement.SpokenPrefix(Guess("set the volume to two", edge), LastVoiced));
        Assert.Null(PauseGuessJudgement.SpokenPrefix(Guess("set the volume to two", edge - 0.01), LastVoiced));
    }

    [Fact]
    public void A_path_that_scores_like_speech_outside_the_grammar_is_not_read_as_a_forced_word()
    {
        var weak = Guess("what day is it", 1.8) with { BestPathConfidence = PauseGuessJudgement.MinPathConfidence - 0.01f };
        Assert.Null(PauseGuessJudgement.SpokenPrefix(weak, LastVoiced));
        Assert.Equal("what day is", PauseGuessJudgement.SpokenPrefix(weak with { BestPathConfidence = PauseGuessJudgement.MinPathConfidence }, LastVoiced));
    }

    [Fact]
    public void No_timings_no_path_or_a_single_word_give_nothing()
    {
        Assert.Null(PauseGuessJudgement.SpokenPrefix(new SpeechGuess("set the volume to two", 0.9f, false) { BestPath = "set the volume to two" }, LastVoiced));
        Assert.Null(PauseGuessJudgement.SpokenPrefix(new SpeechGuess(string.Empty, 0f, true), LastVoiced));
        Assert.Null(PauseGuessJudgement.SpokenPrefix(Guess("stop", 1.8), LastVoiced));
        Assert.Null(PauseGuessJudgement.SpokenPrefix(Guess(string.Empty, 1.8), LastVoiced));
    }

    [Fact]
    public void Extra_spaces_do_not_make_an_empty_or_padded_prefix() =>
        Assert.Equal("set the volume to", PauseGuessJudgement.SpokenPrefix(Guess(" set the volume to  two ", 1.8), LastVoiced));
}
