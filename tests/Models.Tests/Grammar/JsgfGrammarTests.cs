using VoiceAppliance.Models.Grammar;

namespace VoiceAppliance.Models.Tests.Grammar;

public sealed class JsgfGrammarTests
{
    [Fact]
    public void Templates_become_one_public_rule_with_alternatives_and_tags_dropped()
    {
        var jsgf = JsgfGrammar.FromSentences(["Turn (on|off){state} the (kitchen|bedroom){room} light", "what time is it?", "[please] stop"]);
        Assert.Equal(
            "#JSGF V1.0;\ngrammar commands;\npublic <command> = ( turn ( on | off ) the ( kitchen | bedroom ) light )\n    | ( what time is it )\n    | ( [ please ] stop );\n",
            jsgf);
    }

    [Fact]
    public void Words_lists_terminals_once_without_rule_names_tags_weights_or_comments()
    {
        const string jsgf = "#JSGF V1.0;\ngrammar g; // comment words\n/* block */ public <a> = /0.5/ turn <b> {tag} | Stop;\n<b> = (on | off)+ [now];\n";
        Assert.Equal(["turn", "stop", "on", "off", "now"], JsgfGrammar.Words(jsgf));
    }

    [Fact]
    public void Word_pairs_follow_optionals_groups_references_and_repeats()
    {
        const string jsgf = "#JSGF V1.0;\ngrammar g;\npublic <command> = <time> | <date> | go (left | right)+;\n<time> = [ please ] what time is it;\n<date> = what ( day | date ) is it [ today ] {tag};\n";
        var pairs = JsgfGrammar.WordPairs(jsgf);
        (string, string)[] expected =
        [
            ("please", "what"), ("what", "time"), ("time", "is"), ("is", "it"),
            ("what", "day"), ("what", "date"), ("day", "is"), ("date", "is"), ("it", "today"),
            ("go", "left"), ("go", "right"), ("left", "left"), ("left", "right"), ("right", "left"), ("right", "right"),
        ];
        Assert.Equal(expected.Order(), pairs.Order());
    }

    [Theory]
    [InlineData("#JSGF V1.0;\ngrammar x;\npublic <a> = (turn on;\n", "turn", "on")]
    [InlineData("#JSGF V1.0;\ngrammar x;\npublic <a> = turn <a> on;\n", "turn", "on")]
    [InlineData("#JSGF V1.0;\ngrammar x;\npublic <a> = turn <missing> on;\n", "turn", "on")]
    public void Word_pairs_of_a_grammar_it_cannot_follow_are_what_it_could_read(string jsgf, string first, string second) =>
        Assert.Contains((first, second), JsgfGrammar.WordPairs(jsgf));

    [Theory]
    [InlineData("turn (on the light")]
    [InlineData("turn on) the light")]
    [InlineData("set to 50%")]
    [InlineData("  ")]
    public void Bad_templates_are_rejected(string sentence)
    {
        Assert.Throws<ArgumentException>(() => JsgfGrammar.FromSentences([sentence]));
    }

    [Fact]
    public void No_sentences_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => JsgfGrammar.FromSentences([]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(2500)]
    public void Pcm16_conversion_matches_the_scalar_reference_on_any_length(int length)
    {
        var random = new Random(length);
        var audio = new float[length];
        for (var i = 0; i < length; i++)
        {
            audio[i] = (float)((random.NextDouble() * 2.4) - 1.2); // includes values that must saturate
        }

        var pcm = new short[length];
        GrammarSpeechToText.ToPcm16(audio, pcm);
        for (var i = 0; i < length; i++)
        {
            var expected = (short)Math.Clamp(MathF.Truncate(audio[i] * 32767f), short.MinValue, short.MaxValue);
            Assert.Equal(expected, pcm[i]);
        }
    }
}
