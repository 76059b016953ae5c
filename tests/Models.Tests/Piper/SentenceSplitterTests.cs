using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Text;

namespace VoiceAppliance.Models.Tests.Piper;

public sealed class SentenceSplitterTests
{
    [Fact]
    public void Splits_after_terminators_and_keeps_them() =>
        Assert.Equal(
            ["Hello there!", "Is it 3.5 degrees?", "Yes...", "it is.", "\"Really?\"", "Ok"],
            SentenceSplitter.Split("Hello there! Is it 3.5 degrees? Yes... it is. \"Really?\" Ok"));

    [Fact]
    public void Abbreviations_and_initials_do_not_end_a_sentence() =>
        Assert.Equal(
            ["Dr. Smith met J. R. Tolkien, e.g. at noon.", "Then he left."],
            SentenceSplitter.Split("Dr. Smith met J. R. Tolkien, e.g. at noon. Then he left."));

    [Fact]
    public void Blank_lines_end_sentences_and_white_space_is_normalised() =>
        Assert.Equal(["First line goes on", "Second"], SentenceSplitter.Split("First line\tgoes\non\n\nSecond"));

    [Fact]
    public void Empty_or_blank_text_has_no_sentences()
    {
        Assert.Empty(SentenceSplitter.Split(null));
        Assert.Empty(SentenceSplitter.Split(string.Empty));
        Assert.Empty(SentenceSplitter.Split(" \n\t "));
    }

    [Fact]
    public void Long_runs_are_cut_at_a_clause_mark_or_space()
    {
        var text = string.Concat(Enumerable.Repeat("alpha beta, ", 100));
        var sentences = SentenceSplitter.Split(text);
        Assert.All(sentences, s => Assert.InRange(s.Length, 1, SentenceSplitter.MaxSentenceLength));
        Assert.All(sentences.SkipLast(1), s => Assert.EndsWith(",", s, StringComparison.Ordinal));
        Assert.Equal(text.Replace(" ", string.Empty, StringComparison.Ordinal), string.Concat(sentences).Replace(" ", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void Clauses_split_at_punctuation_followed_by_space()
    {
        var clauses = EspeakPhonemizer.SplitClauses("Well, 3,5 is it; yes: done.");
        Assert.Equal([("Well", ','), ("3,5 is it", ';'), ("yes", ':'), ("done", '.')], clauses);
    }
}

public sealed class PiperPostProcessingTests
{
    [Fact]
    public void Non_finite_samples_become_silence_and_peaks_are_limited_below_full_scale()
    {
        float[] audio = [0.5f, float.NaN, -1.8f, float.PositiveInfinity, 0.9f, float.NegativeInfinity];
        PiperTts.Finish(audio, volume: 1f);
        Assert.All(audio, s => Assert.True(float.IsFinite(s) && Math.Abs(s) <= 0.99f + 1e-6f));
        Assert.Equal(0f, audio[1]);
        Assert.Equal(-0.99f, audio[2], 5);
        Assert.Equal(0.5f * 0.99f / 1.8f, audio[0], 5);
    }

    [Fact]
    public void Volume_scales_and_quiet_audio_is_not_normalised()
    {
        float[] audio = [0.2f, -0.4f, 0.1f];
        PiperTts.Finish(audio, volume: 0.5f);
        Assert.Equal([0.1f, -0.2f, 0.05f], audio);
        float[] empty = [];
        PiperTts.Finish(empty, volume: 1f);
        Assert.Empty(empty);
    }
}
