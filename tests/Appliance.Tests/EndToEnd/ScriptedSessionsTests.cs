using VoiceAppliance.Models;
using VoiceAppliance.Pipeline;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>
/// A scripted recording of several spoken commands (the project's Piper voice, speaker 20), separated by room
/// noise and noise bursts, through the whole pipeline on real engines and real ALSA file PCMs.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ScriptedSessionsTests(EndToEndFixture engines, ITestOutputHelper output)
{
    /// <summary>The commands, what the grammar STT must hear, the intent and the reply (date/time-free ones exact).</summary>
    public static TheoryData<string, string, string> Commands { get; } = new()
    {
        { "What day is it today?", "what day is it today", "GetDate" },
        { "Turn on the kitchen light.", "turn on the kitchen light", "ChangeLightState" },
        { "Set the volume to forty percent.", "set the volume to forty percent", "SetVolume" },
        { "Set a timer for five minutes.", "set a timer for five minutes", "StartTimer" },
        { "Turn off the bedroom light.", "turn off the bedroom light", "ChangeLightState" },
    };

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(100)]
    public void GrammarSttHearsTheScriptedCommandsFromSeveralSpeakers(int speaker)
    {
        // The speaker ids the other tests use are chosen from these: each must be heard exactly by the grammar STT.
        foreach (var row in Commands)
        {
            var text = (string)row[0];
            var expected = (string)row[1];
            var result = engines.Grammar.Recognize(engines.Speech(text, speaker));
            output.WriteLine($"speaker {speaker}: '{text}' -> '{result.Text}' (confidence {result.Confidence:F2}, accepted {result.Accepted})");
            Assert.True(result.Accepted, $"speaker {speaker}: '{text}' was rejected (heard '{result.Text}', confidence {result.Confidence:F2})");
            Assert.Equal(expected, result.Text);
        }
    }

    [Fact]
    public async Task ScriptedCommandsProduceTheExpectedSessionsTranscriptsIntentsAndSpokenReplies()
    {
        var recording = new ScriptedRecording().Noise(1.0);
        foreach (var row in Commands)
        {
            var text = (string)row[0];
            recording.TapWhenIdle().Noise(0.6).Say(text, engines.Speech(text)).Noise(1.0).Burst().Noise(0.8);
        }

        var result = await EndToEndRig.RunAsync(engines, recording, new RigOptions { Stereo48k = true, MicSpeed = 4, SpeakerSpeed = 4 }, output);

        Assert.Empty(result.Errors);
        Assert.Equal(0, result.DroppedSamples);
        Assert.Equal(Commands.Count, result.Sessions.Count);
        Assert.All(result.Sessions, s => Assert.Equal(SessionEndReason.Nominal, s.Reason));
        Assert.All(result.Sessions, s => Assert.Equal(1, s.Turns));
        var turns = result.Turns;
        Assert.Equal(Commands.Count, turns.Count);
        var i = 0;
        foreach (var row in Commands)
        {
            var turn = turns[i++];
            Assert.Equal((string)row[1], turn.Transcript);
            Assert.Equal((string)row[2], turn.Intent);
            Assert.False(turn.Interrupted);
            // The pause's guess of a complete command may end the turn before the silence window does (issue 17).
            Assert.Contains(turn.Metrics.UtteranceEnd, new[] { UtteranceEnd.Silence, UtteranceEnd.EarlyEndpoint });
            Assert.NotNull(turn.Metrics.EndOfSpeechToFirstAudioMs);
            Assert.InRange(turn.Metrics.SpeechDuration.TotalSeconds, 0.8, 4);
        }

        Assert.StartsWith("Today is ", turns[0].ReplyText, StringComparison.Ordinal);
        Assert.Equal("Turning on the kitchen light.", turns[1].ReplyText);
        Assert.Equal("Volume 40 percent.", turns[2].ReplyText);
        Assert.Equal("Timer set for 5 minutes.", turns[3].ReplyText);
        Assert.Equal("Turning off the bedroom light.", turns[4].ReplyText);
        Assert.Equal([("home/kitchen/light/set", "on"), ("home/bedroom/light/set", "off")], result.Published);
        Assert.Equal(40, result.FinalVolume);

        // Each final transcript event precedes its turn_ended, and the state machine went the whole way each time.
        var finals = result.Events.OfType<TranscriptEvent>().Where(t => t.IsFinal).Select(t => t.Text).ToList();
        Assert.Equal(turns.Select(t => t.Transcript), finals);
        Assert.Equal(Commands.Count, result.Transitions.Count(t => t == "Thinking->Speaking"));
        Assert.Equal(Commands.Count, result.Transitions.Count(t => t == "Speaking->Idle"));

        // The speaker got each reply, and what it played is speech where each reply should be.
        AssertRepliesAreSpeech(result, turns);
    }

    private void AssertRepliesAreSpeech(RigResult result, IReadOnlyList<TurnEndedEvent> turns)
    {
        Assert.Equal(turns.Count, result.SessionMarks.Count);
        var expectedTotal = turns.Sum(t => engines.ReplySeconds(t.ReplyText));
        output.WriteLine($"speaker WAV {result.Speaker.Duration.TotalSeconds:F2} s, replies synthesised alone {expectedTotal:F2} s");
        Assert.InRange(result.Speaker.Duration.TotalSeconds, expectedTotal * 0.9, expectedTotal * 1.1);
        var from = 0.0;
        for (var k = 0; k < turns.Count; k++)
        {
            var to = result.SessionMarks[k];
            var expected = engines.ReplySeconds(turns[k].ReplyText);
            Assert.InRange(to - from, expected * 0.9, expected * 1.1);
            var speech = SpeechSeconds(result.SpeakerBetween(from, to));
            output.WriteLine($"reply {k} '{turns[k].ReplyText}': {to - from:F2} s in the WAV, {speech:F2} s of it speech (Silero)");
            Assert.True(speech >= 0.5 * (to - from), $"reply {k} ('{turns[k].ReplyText}') at {from:F2}-{to:F2} s of the speaker WAV holds only {speech:F2} s of speech");
            from = to;
        }
    }

    /// <summary>Seconds of 16 kHz audio the real Silero VAD calls speech (probability at least 0.5).</summary>
    internal static double SpeechSeconds(EndToEndFixture engines, float[] audio16k)
    {
        using var vad = engines.NewVad();
        var windows = 0;
        for (var i = 0; i + vad.WindowSamples <= audio16k.Length; i += vad.WindowSamples)
        {
            if (vad.Process(audio16k.AsSpan(i, vad.WindowSamples)) >= 0.5f)
            {
                windows++;
            }
        }

        return windows * vad.WindowSamples / 16000.0;
    }

    private double SpeechSeconds(float[] audio16k) => SpeechSeconds(engines, audio16k);
}
