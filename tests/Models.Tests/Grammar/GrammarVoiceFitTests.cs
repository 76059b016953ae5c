using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Grammar;

/// <summary>
/// Issue 17, item 6: espeak-ng's voices fit the en-us acoustic model poorly, so every word of a command they speak
/// scores low against the free phone loop and the unscaled ratio refused commands the bare decoder gets right. The
/// ratio is now scaled by the voice's fit (the loop's own score per speech frame), the same for a command and for other
/// speech in that voice. espeak-ng is deterministic, so these files land on the same side of the threshold every run.
/// </summary>
public sealed class GrammarVoiceFitTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Sentences =
    [
        "[please] what time is it", "tell me the time", "what (day|date) is it [today]",
        "turn (on|off) the (kitchen|bedroom|living room) (light|lights)", "turn the (kitchen|bedroom|living room) (light|lights) (on|off)",
        "set the volume to (ten|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety) [(one|two|three|four|five|six|seven|eight|nine)] [percent]",
        "set the volume to one hundred [percent]",
        "(start|set) a timer for (one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty) (minute|minutes)",
        "stop listening", "mute [the] microphone",
    ];

    // A recogniser per test: the same utterances in the same order on a new decoder give the same scores every run.
    private readonly GrammarSpeechToText _engine = new(JsgfGrammar.FromSentences(Sentences));

    private readonly string _dir = TestPaths.NewTempDirectory("voicefit");

    /// <summary>The old rule's threshold on the unscaled ratio.</summary>
    private const float UnscaledThreshold = 0.12f;

    [RequiresProgramFact("espeak-ng")]
    public void Commands_in_a_voice_the_model_fits_poorly_are_accepted()
    {
        // espeak-ng en-us+f4 (a held-out voice of bench heldout) at 160 words a minute: the bare decoder gets these
        // right, and the unscaled ratio (0.11-0.12) refused them.
        foreach (var command in new[] { "start a timer for one minute", "start a timer for five minutes", "set a timer for twenty minutes" })
        {
            var result = _engine.Recognize(Speak(command, "en-us+f4", 160));
            var score = _engine.LastScore;
            output.WriteLine($"'{command}' -> '{result.Text}' {result.Confidence:0.000} accepted {result.Accepted}; unscaled {MathF.Exp(score.RawLogRatio):0.000}, voice fit {score.VoiceFit:0.00} nats per speech frame");

            // The audio shows the problem: the unscaled ratio is below the old threshold, and the voice fits worse than a typical one ...
            Assert.True(MathF.Exp(score.RawLogRatio) < UnscaledThreshold, $"'{command}' has an unscaled confidence of {MathF.Exp(score.RawLogRatio)}: no longer one the old rule refused, pick another");
            Assert.True(score.VoiceFit > GrammarSpeechToText.VoiceFitReference, $"voice fit {score.VoiceFit}");

            // ... and the scaled ratio accepts the command, word for word.
            Assert.Equal(command, result.Text);
            Assert.True(result.Accepted, $"'{command}' rejected with confidence {result.Confidence}");
        }
    }

    [RequiresProgramFact("espeak-ng")]
    public void Other_speech_in_the_same_voices_stays_rejected()
    {
        // The scale comes from the voice, not from whether the speech is a command: other speech in these voices is
        // scaled by as much and stays below the threshold. "what is the weather like today" comes out as "what day is
        // it today" above the threshold in some of them; 37-41 % of its speech is outside those words, over the 35 %
        // allowed (GrammarOptions.MaxUnexplainedSpeech; 50 % let it through).
        foreach (var voice in new[] { "en-us", "en-us+m3", "en-us+f3", "en", "en-us+f4" })
        {
            foreach (var phrase in new[] { "turn on the television", "read me the news", "set an alarm for seven in the morning", "how old is the moon", "what is the weather like today" })
            {
                var result = _engine.Recognize(Speak(phrase, voice, 160));
                output.WriteLine($"{voice,-9} '{phrase}' -> '{result.Text}' {result.Confidence:0.000} accepted {result.Accepted}; voice fit {_engine.LastScore.VoiceFit:0.00}, unexplained {result.UnexplainedSpeech:P0}");
                Assert.False(result.Accepted, $"{voice} '{phrase}' accepted as '{result.Text}' with confidence {result.Confidence}");
            }
        }
    }

    public void Dispose()
    {
        _engine.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>espeak-ng at <paramref name="wordsPerMinute"/>, framed like a VAD segment (noise seeded by the voice name's length).</summary>
    private float[] Speak(string text, string voice, int wordsPerMinute) => EspeakUtterance.Speak(_dir, text, voice, wordsPerMinute, noiseSeed: voice.Length);
}
