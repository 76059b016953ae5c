using VoiceAppliance.Testing;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Tests.Workflows;

public sealed class CommandCompletenessTests
{
    private static readonly CommandCompleteness s_shipped = Shipped();

    private static CommandCompleteness Shipped()
    {
        var options = IntentsFile.Load(Path.Combine(TestPaths.Root, "config", "intents.json"));
        return new IntentRecognizer(options.Intents.Select(i => (i.Name, (IEnumerable<string>)i.Sentences))).BuildCompleteness();
    }

    [Fact]
    public void The_shipped_intents_expand_well_inside_the_sentence_bound()
    {
        // Far below the bound: a grammar near it would silently turn early endpointing off (every answer unsure).
        Assert.InRange(s_shipped.Sentences, 100, CommandCompleteness.DefaultMaxSentences / 10);
    }

    [Theory]
    [InlineData("turn on the kitchen light", CompletenessKind.CompleteFinal)]
    [InlineData("turn the living room lights off", CompletenessKind.CompleteFinal)]
    [InlineData("what time is it", CompletenessKind.CompleteFinal)]
    [InlineData("set the volume to forty five percent", CompletenessKind.CompleteFinal)]
    [InlineData("set the volume to one hundred percent", CompletenessKind.CompleteFinal)]
    [InlineData("set a timer for ten minutes", CompletenessKind.CompleteFinal)]
    [InlineData("start a timer for one minute", CompletenessKind.CompleteFinal)]
    [InlineData("set a timer for seven minute", CompletenessKind.None)] // one minute, N minutes: no path the grammar STT could force other speech onto
    [InlineData("start a timer for one minutes", CompletenessKind.None)]
    [InlineData("set the volume to forty", CompletenessKind.CompleteCanContinue)]
    [InlineData("set the volume to forty five", CompletenessKind.CompleteCanContinue)]
    [InlineData("set the volume to one hundred", CompletenessKind.CompleteCanContinue)]
    [InlineData("what day is it", CompletenessKind.CompleteCanContinue)]
    [InlineData("mute microphone", CompletenessKind.CompleteFinal)]
    [InlineData("set a timer for", CompletenessKind.Prefix)]
    [InlineData("turn off the", CompletenessKind.Prefix)]
    [InlineData("set the volume to one", CompletenessKind.CompleteCanContinue)]
    [InlineData("set a timer for ten", CompletenessKind.Prefix)]
    [InlineData("turn on the garage light", CompletenessKind.None)]
    [InlineData("set the volume to forty five percent please", CompletenessKind.None)]
    [InlineData("", CompletenessKind.None)]
    public void The_shipped_intents_tell_finished_commands_from_ones_that_may_go_on(string words, CompletenessKind expected)
    {
        Assert.True(s_shipped.IsBounded);
        Assert.Equal(expected, s_shipped.Classify(words));
    }

    [Fact]
    public void Every_sentence_the_grammar_stt_can_output_is_a_sentence_of_the_trie()
    {
        // The JSGF's number rules list each number of a range spelled out: the trie must spell them the same way.
        Assert.Equal(CompletenessKind.CompleteFinal, s_shipped.Classify("Set The Volume To Zero Percent"));
        Assert.Equal(CompletenessKind.CompleteCanContinue, s_shipped.Classify("set the volume to zero"));
        Assert.Equal(CompletenessKind.CompleteFinal, s_shipped.Classify("start a timer for fifty nine minutes"));
        Assert.Equal(CompletenessKind.None, s_shipped.Classify("start a timer for sixty minutes"));
    }

    [Fact]
    public void Digits_in_a_template_are_spoken_as_words()
    {
        var trie = CommandCompleteness.Build(["play track 2"]);
        Assert.Equal(CompletenessKind.CompleteFinal, trie.Classify("play track two"));
        Assert.Equal(1, trie.Sentences);
    }

    [Fact]
    public void A_grammar_past_the_bound_is_unsure_about_everything()
    {
        var trie = CommandCompleteness.Build(["set (0..100) to (0..100) and (0..100)"], maxSentences: 200_000);
        Assert.False(trie.IsBounded);
        Assert.Equal(CompletenessKind.Unsure, trie.Classify("set one to two and three"));

        var small = CommandCompleteness.Build(["set (0..100) to (0..100)"], maxSentences: 200_000);
        Assert.True(small.IsBounded);
        Assert.Equal(101 * 101, small.Sentences);
        Assert.Equal(CompletenessKind.CompleteFinal, small.Classify("set one to two"));
    }
}
