using VoiceAppliance.Models.Text;

namespace VoiceAppliance.Models.Tests.Text;

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

    // Streaming use (the pipeline's replies arrive in pieces).

    private static List<string> SplitStreamed(params string[] pieces)
    {
        var splitter = new SentenceSplitter();
        var result = new List<string>();
        foreach (var p in pieces)
        {
            splitter.Append(p, result);
        }

        splitter.Flush(result);
        return result;
    }

    [Fact]
    public void Splits_on_terminators_across_pieces() =>
        Assert.Equal(["Hello there!", "How are you?", "Fine."], SplitStreamed("Hel", "lo there! How a", "re you?", " Fine."));

    [Fact]
    public void Decimals_initials_and_abbreviations_do_not_split() =>
        Assert.Equal(["It is 3.5 degrees.", "Dr. Smith and J. Doe agree, e.g. today.", "Done"], SplitStreamed("It is 3.", "5 degrees. Dr. Smith and J. Doe agree, e.g. today. Done"));

    [Fact]
    public void Line_breaks_and_quotes_end_sentences() =>
        Assert.Equal(["One", "He said \"stop.\"", "Then?!", "ok"], SplitStreamed("One\nHe said \"stop.\" Then?! ok"));

    [Fact]
    public void Sentences_are_emitted_as_soon_as_complete()
    {
        var splitter = new SentenceSplitter();
        var result = new List<string>();
        splitter.Append("First one. Sec", result);
        Assert.Equal(["First one."], result);
        splitter.Append("ond one.", result);
        Assert.Equal(["First one."], result); // the final dot may still be "3.5"
        splitter.Append(" ", result);
        Assert.Equal(["First one.", "Second one."], result);
    }

    [Fact]
    public void Empty_and_whitespace_give_nothing() => Assert.Empty(SplitStreamed("", "  ", "\n"));

    [Fact]
    public void Both_former_abbreviation_lists_hold_in_both_uses()
    {
        const string Text = "See fig. 3 and No. 5 at Acme Inc. today. It is 5 ft. tall vs. the Mt. Hood one. Done.";
        string[] expected = ["See fig. 3 and No. 5 at Acme Inc. today.", "It is 5 ft. tall vs. the Mt. Hood one.", "Done."];
        Assert.Equal(expected, SentenceSplitter.Split(Text));
        Assert.Equal(expected, SplitStreamed("See fig", ". 3 and No", ". 5 at Acme Inc", ". today. It is 5 ft", ". tall vs. the Mt. Hood one. Done."));
    }

    [Fact]
    public void An_ellipsis_character_and_guillemets_end_a_sentence() =>
        Assert.Equal(["Well…", "«Yes!»", "ok"], SplitStreamed("Well… «Yes!» ok"));

    [Fact]
    public void Streamed_long_runs_are_cut_as_they_arrive()
    {
        var splitter = new SentenceSplitter();
        var result = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            splitter.Append("alpha beta, ", result);
        }

        Assert.NotEmpty(result); // cut before the end of the reply, not held back until Flush
        splitter.Flush(result);
        Assert.All(result, s => Assert.InRange(s.Length, 1, SentenceSplitter.MaxSentenceLength));
        Assert.All(result.SkipLast(1), s => Assert.EndsWith(",", s, StringComparison.Ordinal));
        Assert.Equal(100 * "alphabeta,".Length, string.Concat(result).Replace(" ", string.Empty, StringComparison.Ordinal).Length);
    }

    [Fact]
    public void A_run_of_terminators_never_makes_a_sentence_longer_than_the_maximum()
    {
        var text = new string('a', SentenceSplitter.MaxSentenceLength - 3) + new string('!', 20) + " next";
        Assert.All(SentenceSplitter.Split(text), s => Assert.InRange(s.Length, 1, SentenceSplitter.MaxSentenceLength));
        Assert.All(SplitStreamed(text), s => Assert.InRange(s.Length, 1, SentenceSplitter.MaxSentenceLength));
    }

    [Fact]
    public void Without_single_line_breaks_a_blank_line_split_across_pieces_still_ends_a_sentence()
    {
        var splitter = new SentenceSplitter(singleLineBreakEndsSentence: false);
        var result = new List<string>();
        splitter.Append("First line\n", result);
        splitter.Append("goes on\n", result);
        Assert.Empty(result);
        splitter.Append("\nSecond", result);
        Assert.Equal(["First line goes on"], result);
        splitter.Flush(result);
        Assert.Equal(["First line goes on", "Second"], result);
    }
}
