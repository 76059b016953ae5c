using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Grammar;

/// <summary>
/// Connected speech (session 13): in "what time is it" the T of "what" is not released, one closure serving "what" and
/// "time". The dictionary's "what" (W AH T, HH W AH T) makes the grammar path spend frames on a second T, and held-out-2's
/// refused "what time is it" came from that: Piper's "what time" fit the path badly. The recogniser gives a word that
/// ends in a stop a pronunciation without it where the grammar lets a word starting with a stop made at the same place
/// follow it.
/// </summary>
public sealed class GrammarConnectedSpeechTests(ITestOutputHelper output)
{
    private const string VoiceModel = "piper/en_US-libritts_r-medium/model.onnx";

    private static readonly string[] Sentences =
    [
        "[please] what time is it", "tell me the time", "what (day|date) is it [today]",
        "turn (on|off) the (kitchen|bedroom|living room) (light|lights)", "set a timer for (one|two|eight) minutes",
    ];

    [Fact]
    public void Words_before_a_stop_at_the_same_place_get_a_pronunciation_without_their_own()
    {
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences));
        output.WriteLine(string.Join("; ", engine.ConnectedSpeechVariants));

        // "what" before "time", "day", "date" (T, D). Nothing else in these sentences: "it" before "today" would be a
        // word of one phone (IH), "set" is followed by "a", "light" ends the sentence, "eight" is followed by "minutes".
        Assert.Equal(["what(3) W AH", "what(4) HH W AH"], engine.ConnectedSpeechVariants);
        Assert.True(engine.IsInDictionary("what(3)"));

        using var plain = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences), new GrammarOptions { ConnectedSpeech = false });
        Assert.Empty(plain.ConnectedSpeechVariants);
        Assert.False(plain.IsInDictionary("what(3)"));
    }

    [RequiresFileFact(VoiceModel, "the provisioned Piper voice (speaker 550 is one whose 'what time is it' held-out-2 refused)")]
    public void A_what_time_with_one_closure_takes_the_shorter_what_and_scores_higher()
    {
        var piper = SpeechSamples.Voice(TestPaths.Model("piper/en_US-libritts_r-medium"));
        var audio = FramedSpeech.Piper(piper, "what time is it", 550);
        var jsgf = JsgfGrammar.FromSentences(Sentences);

        using var plain = new GrammarSpeechToText(jsgf, new GrammarOptions { ConnectedSpeech = false });
        var before = plain.Recognize(audio);
        using var connected = new GrammarSpeechToText(jsgf);
        connected.Trace = true;
        var after = connected.Recognize(audio);
        output.WriteLine($"without: '{before.Text}' {before.Confidence:0.000} x {before.DurationFactor:0.00}; with: '{after.Text}' {after.Confidence:0.000} x {after.DurationFactor:0.00}; path {string.Join(" ", connected.GrammarTrace.Select(s => $"{s.Word}:{s.Start}-{s.End}"))}");

        Assert.Equal("what time is it", after.Text);
        Assert.Contains(connected.GrammarTrace, s => s.Word is "what(3)" or "what(4)");
        Assert.True(after.Confidence * after.DurationFactor > before.Confidence * before.DurationFactor, "the path with one closure should fit better than the one with two");
    }
}
