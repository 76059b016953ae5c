using VoiceAppliance.Pipeline;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>Barge-in, no speech, the max-utterance cap and speech outside the grammar, on real engines and ALSA file PCMs.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ScenarioTests(EndToEndFixture engines, ITestOutputHelper output)
{
    // Speech no intent covers, which the grammar STT rejects (no grammar path, or the nearest command explains
    // the audio far worse than free phone decoding).
    private static readonly string[] OutOfGrammarPhrases =
    [
        "Could you please remind me to call my grandmother tomorrow afternoon about the birthday party?",
        "My favourite colour is green, and I like to walk by the river on sunny mornings.",
        "Play the next song.",
        "Hello.",

        // Short phrases the first, energy-coverage rejection took for commands (confidence 0.57-0.99 against its 0.5).
        "Please play some jazz music in the garden.",
        "How tall is the highest mountain in the world?",
        "Open the garage door.",
        "Tell me a story about penguins.",
        "Play some music in the kitchen.",
    ];

    /// <summary>Speech outside the intents that the grammar STT must reject.</summary>
    public static TheoryData<string> OutOfGrammar { get; } = new(OutOfGrammarPhrases);

    private const string Monologue =
        "The old lighthouse on the northern cape was built by fishermen who had lost too many boats to the rocks. " +
        "For a hundred years a keeper climbed its narrow stairs every evening to light the great lamp at the top. " +
        "In winter the storms were so strong that the waves reached the windows of the little house beside it, " +
        "and the keeper's children learned to sleep through the noise of the wind and the water on the stones. " +
        "Today the lamp turns by itself, and visitors walk up the hill in summer to look at the sea.";

    [Fact]
    public async Task HardCutBargeInStopsTheReplyAndTheSessionGoesOnWithWhatWasSaid()
    {
        var bargedIn = 0;
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.5)
            .Say("Tell me a story.", engines.Speech("Tell me a story."))
            .Noise(1.2)
            .Cue("barge in while the story is spoken", async c =>
            {
                await c.WaitForStateAsync(PipelineState.Speaking);
                await Task.Delay(600);
                Interlocked.Exchange(ref bargedIn, 1);
                c.Pipeline.Tap(); // the button, while the device speaks: hard cut
            })
            .Noise(0.6)
            .Say("Turn off the bedroom light.", engines.Speech("Turn off the bedroom light."))
            .Noise(2.0);

        var result = await EndToEndRig.RunAsync(engines, recording, new RigOptions { MicSpeed = 4, SpeakerSpeed = 1 }, output);

        Assert.Equal(1, bargedIn);
        Assert.Empty(result.Errors);
        var session = Assert.Single(result.Sessions);
        Assert.Equal(SessionEndReason.Nominal, session.Reason);
        Assert.Equal(2, session.Turns);
        Assert.Equal([false, true], result.Events.OfType<TurnStartedEvent>().Select(t => t.BargeIn));
        var story = result.Turns[0];
        var light = result.Turns[1];
        Assert.Equal("tell me a story", story.Transcript);
        Assert.Equal("Story", story.Intent);
        Assert.True(story.Interrupted, "the barged-into turn must report interrupted");
        var storySeconds = engines.ReplySeconds(EndToEndFixture.StoryReply);
        var heard = story.Metrics.HeardBeforeBargeIn;
        Assert.NotNull(heard);
        output.WriteLine($"heard {heard!.Value.TotalSeconds:F2} s of a {storySeconds:F2} s story before the barge-in");
        // The tap came 0.6 s into the reply, played in real time (SpeakerSpeed 1); allow for a loaded machine.
        Assert.InRange(heard.Value.TotalSeconds, 0.3, 3.0);
        Assert.Equal("turn off the bedroom light", light.Transcript);
        Assert.Equal("ChangeLightState", light.Intent);
        Assert.False(light.Interrupted);
        Assert.Equal("Turning off the bedroom light.", light.ReplyText);
        Assert.Contains("Speaking->Listening", result.Transitions);
        Assert.Equal([("home/bedroom/light/set", "off")], result.Published);

        // The speaker stopped at once: it holds the part of the story heard, then the whole light reply.
        var lightSeconds = engines.ReplySeconds(light.ReplyText);
        var played = result.Speaker.Duration.TotalSeconds;
        output.WriteLine($"speaker WAV {played:F2} s (story cut after {heard.Value.TotalSeconds:F2} s, light reply {lightSeconds:F2} s)");
        Assert.InRange(played, heard.Value.TotalSeconds + (lightSeconds * 0.9), heard.Value.TotalSeconds + lightSeconds + 0.5);
        var lightAudio = result.SpeakerBetween(played - lightSeconds, played);
        Assert.True(ScriptedSessionsTests.SpeechSeconds(engines, lightAudio) >= lightSeconds * 0.5, "the reply after the barge-in was not spoken");
    }

    [Fact]
    public async Task TapThenSilenceEndsTheSessionWithNoSpeech()
    {
        var recording = new ScriptedRecording().Noise(0.5).TapWhenIdle().Noise(3).Burst(0.1).Noise(4);

        var result = await EndToEndRig.RunAsync(engines, recording, new RigOptions { MicSpeed = 8 }, output);

        Assert.Empty(result.Errors);
        var session = Assert.Single(result.Sessions);
        Assert.Equal(SessionEndReason.NoSpeech, session.Reason);
        var turn = Assert.Single(result.Turns);
        Assert.Equal(UtteranceEnd.NoSpeech, turn.Metrics.UtteranceEnd);
        Assert.Null(turn.Transcript);
        Assert.Empty(result.Events.OfType<TranscriptEvent>());
        Assert.Equal(["Idle->Listening", "Listening->Idle"], result.Transitions);
        Assert.Equal(0, result.Speaker.Frames);
    }

    [Fact]
    public async Task AFifteenSecondMonologueHitsTheMaxUtteranceCap()
    {
        var speech = engines.Speech(Monologue);
        output.WriteLine($"monologue: {speech.Length / 16000.0:F1} s");
        Assert.True(speech.Length > 17 * 16000, "the monologue must outlast the 15 s cap");
        var recording = new ScriptedRecording().Noise(0.5).TapWhenIdle().Noise(0.5).Say("monologue", speech).Noise(1);

        var result = await EndToEndRig.RunAsync(engines, recording, new RigOptions { MicSpeed = 8, SpeakerSpeed = 8 }, output);

        Assert.Empty(result.Errors);
        var session = Assert.Single(result.Sessions);
        var turn = Assert.Single(result.Turns);
        Assert.Equal(UtteranceEnd.MaxUtterance, turn.Metrics.UtteranceEnd);
        var max = new PipelineOptions().Endpointing.MaxUtterance.TotalSeconds;
        Assert.InRange(turn.Metrics.UtteranceDuration.TotalSeconds, max, max + 0.5);
        Assert.True(turn.Metrics.SpeechDuration.TotalSeconds >= max - 1, $"speech {turn.Metrics.SpeechDuration.TotalSeconds:F1} s");

        // Cut mid-sentence and outside the grammar: the transcript is rejected and the fallback is spoken.
        output.WriteLine($"transcript '{turn.Transcript}', reason {session.Reason}");
        Assert.Equal(SessionEndReason.IntentNotRecognized, session.Reason);
        Assert.Equal(EndToEndFixture.FallbackReply, turn.ReplyText);
        Assert.True(result.Speaker.Duration.TotalSeconds > 1, "the fallback reply was not played");
    }

    [Theory]
    [MemberData(nameof(OutOfGrammar))]
    public void TheGrammarSttRejectsSpeechOutsideTheIntents(string text)
    {
        var result = engines.Grammar.Recognize(engines.Speech(text));
        output.WriteLine($"'{text}' -> '{result.Text}' (confidence {result.Confidence:F2}, accepted {result.Accepted})");
        Assert.False(result.Accepted, $"false accept: '{text}' heard as '{result.Text}' with confidence {result.Confidence:F2}");
    }

    [Fact]
    public void TheGrammarSttHearsTheSameAudioTheSameWayWhateverWasDecodedBefore()
    {
        // The pipeline hands each utterance to one long-lived recogniser: its result must not depend on history.
        var command = engines.Speech("What day is it today?");
        var other = engines.Speech("My favourite colour is green, and I like to walk by the river on sunny mornings.");
        var results = new List<string>();
        foreach (var audio in new[] { command, command, other, command, command })
        {
            if (audio == command)
            {
                var r = engines.Grammar.Recognize(audio);
                results.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"'{r.Text}' {r.Confidence:F3} {r.Accepted}"));
            }
            else
            {
                engines.Grammar.Recognize(audio);
            }
        }

        output.WriteLine(string.Join(" | ", results));
        Assert.All(results, r => Assert.Equal(results[0], r));
    }

    [Fact]
    public async Task SpeechOutsideTheIntentsEndsWithIntentNotRecognizedAndTheFallbackIsSpoken()
    {
        var text = OutOfGrammarPhrases[0];
        var recording = new ScriptedRecording().Noise(0.5).TapWhenIdle().Noise(0.5).Say(text, engines.Speech(text)).Noise(2);

        var result = await EndToEndRig.RunAsync(engines, recording, new RigOptions { MicSpeed = 8, SpeakerSpeed = 8 }, output);

        Assert.Empty(result.Errors);
        var session = Assert.Single(result.Sessions);
        Assert.Equal(SessionEndReason.IntentNotRecognized, session.Reason);
        var turn = Assert.Single(result.Turns);
        Assert.Null(turn.Intent);
        Assert.Equal(string.Empty, turn.Transcript);
        Assert.Equal(EndToEndFixture.FallbackReply, turn.ReplyText);
        Assert.Empty(result.Published);
        var fallback = engines.ReplySeconds(EndToEndFixture.FallbackReply);
        Assert.InRange(result.Speaker.Duration.TotalSeconds, fallback * 0.9, fallback * 1.1);
        Assert.True(ScriptedSessionsTests.SpeechSeconds(engines, result.SpeakerBetween(0, fallback)) >= fallback * 0.5, "the fallback reply is not speech");
    }
}
