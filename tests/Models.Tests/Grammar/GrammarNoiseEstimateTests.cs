using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Grammar;

/// <summary>
/// Issue 17, item 6: pocketsphinx's front end subtracts a noise estimate (<c>-remove_noise</c>) that it carried from
/// one utterance to the next, so the same audio decoded twice in a row scored differently (espeak-ng en-us+f4 "play the
/// next song": confidence 0.084, then 0.067, and after other utterances a different command at 0.125, above the
/// threshold). Each pass now starts a new stream, which resets the estimate.
/// </summary>
public sealed class GrammarNoiseEstimateTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Sentences =
    [
        "[please] what time is it", "tell me the time", "what (day|date) is it [today]",
        "turn (on|off) the (kitchen|bedroom|living room) (light|lights)", "mute [the] microphone", "stop listening",
    ];

    private readonly string _dir = TestPaths.NewTempDirectory("noise-estimate");

    [RequiresProgramFact("espeak-ng")]
    public void The_same_audio_scores_the_same_fresh_again_and_after_other_utterances()
    {
        var target = Speak("play the next song");
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences));
        var fresh = engine.Recognize(target);
        var again = engine.Recognize(target);
        foreach (var other in new[] { "good morning", "what time is it", "turn on the kitchen light" })
        {
            _ = engine.Recognize(Speak(other));
        }

        var after = engine.Recognize(target);
        output.WriteLine($"fresh '{fresh.Text}' {fresh.Confidence:0.0000}; again '{again.Text}' {again.Confidence:0.0000}; after three others '{after.Text}' {after.Confidence:0.0000}");
        Assert.Equal(fresh.Text, again.Text);
        Assert.Equal(fresh.Confidence, again.Confidence);
        Assert.Equal(fresh.Text, after.Text);
        Assert.Equal(fresh.Confidence, after.Confidence);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>espeak-ng en-us+f4 at 160 words a minute, framed like a VAD segment.</summary>
    private float[] Speak(string text) => EspeakUtterance.Speak(_dir, text, "en-us+f4", 160, noiseSeed: 8);
}
