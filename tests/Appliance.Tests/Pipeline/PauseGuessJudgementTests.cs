using VoiceAppliance.Models;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Workflows.Intents;

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

    private static readonly EarlyEndpointOptions Defaults = new();

    // The workflow's completeness for the words these tests use (the real trie is exercised by the end-to-end tests).
    private static CompletenessKind Completeness(string words) => words switch
    {
        "set the volume to" or "turn off the" => CompletenessKind.Prefix,
        "set the volume to forty" or "set the volume to two" => CompletenessKind.CompleteCanContinue,
        "turn off the kitchen light" => CompletenessKind.CompleteFinal,
        _ => CompletenessKind.None,
    };

    private static PauseVerdict Judge(string text, float confidence, string? spokenPrefix = null, bool unfinished = false, EarlyEndpointOptions? options = null) =>
        PauseGuessJudgement.Judge(new SpeculativeTranscript(text, confidence, TimeSpan.Zero, unfinished) { SpokenPrefix = spokenPrefix }, options ?? Defaults, Completeness);

    [Fact]
    public void A_refused_or_unconfident_guess_with_a_forced_last_word_is_judged_by_the_words_before_it()
    {
        // The cut this rule is for: "set the volume to" + a forced "two", refused (empty text) or accepted below MinConfidence.
        Assert.Equal(PauseVerdict.Unfinished, Judge(string.Empty, 0f, spokenPrefix: "set the volume to"));
        Assert.Equal(PauseVerdict.Unfinished, Judge("set the volume to two", 0.2f, spokenPrefix: "set the volume to"));
        Assert.Equal(PauseVerdict.Continuable, Judge(string.Empty, 0f, spokenPrefix: "set the volume to forty"));
        Assert.Equal(PauseVerdict.Window, Judge(string.Empty, 0f, spokenPrefix: "play some"));

        // Without a last word in the pause the same guesses keep today's window.
        Assert.Equal(PauseVerdict.Window, Judge(string.Empty, 0f));
        Assert.Equal(PauseVerdict.Window, Judge("set the volume to two", 0.2f));
    }

    [Fact]
    public void A_confident_guess_keeps_its_own_judgement_so_a_complete_command_still_ends_early()
    {
        Assert.Equal(PauseVerdict.EndNow, Judge("turn off the kitchen light", 0.9f));
        Assert.Equal(PauseVerdict.EndNow, Judge("turn off the kitchen light", 0.9f, spokenPrefix: "turn off the kitchen"));
        Assert.Equal(PauseVerdict.Continuable, Judge("set the volume to two", 0.9f, spokenPrefix: "set the volume to"));
        Assert.Equal(PauseVerdict.Window, Judge("turn off the kitchen light", 0.9f, options: Defaults with { MinConfidence = 1f }));
        Assert.Equal(PauseVerdict.Window, Judge("play some music", 0.9f));
    }

    [Fact]
    public void An_unfinished_guess_is_unfinished_whatever_else_it_says() =>
        Assert.Equal(PauseVerdict.Unfinished, Judge(string.Empty, 0f, spokenPrefix: "play some", unfinished: true));
}
