using VoiceAppliance.Models.Whisper;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>
/// The whisper.cpp path through the whole pipeline. No real Whisper weights can be had on the build machines, so
/// the model is a generated one with random weights (GgmlWhisperModelWriter): its transcripts are noise, and what
/// this shows is that the real binding runs inside a session and the session ends with a spoken reply, not an error.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class WhisperPathTests(EndToEndFixture engines, ITestOutputHelper output)
{
    [Fact]
    public async Task WhisperOnAGeneratedModelTranscribesInsideASessionAndTheReplyIsSpoken()
    {
        var dir = TestPaths.NewTempDirectory("e2e-whisper");
        try
        {
            var path = Path.Combine(dir, "ggml-random-small.bin");
            GgmlWhisperModelWriter.Write(path, GgmlWhisperModelWriter.SmallEnglish, seed: 3);
            using var model = WhisperModel.Load(path);
            var whisper = new WhisperSpeechToText(model, new WhisperOptions { Threads = 2, BestOf = 1, TemperatureIncrement = 0 });
            var recording = new ScriptedRecording().Noise(0.3).TapWhenIdle().Noise(0.4)
                .Say("Turn on the kitchen light.", engines.Speech("Turn on the kitchen light."))
                .Noise(1.5);

            var result = await EndToEndRig.RunAsync(engines, recording, new RigOptions { MicSpeed = 8, SpeakerSpeed = 8, Wrap = e => e with { Stt = whisper } }, output);

            Assert.Empty(result.Errors);
            var session = Assert.Single(result.Sessions);
            var turn = Assert.Single(result.Turns);
            var final = Assert.Single(result.Events.OfType<TranscriptEvent>(), t => t.IsFinal);
            Assert.Equal("whisper", final.Engine);
            output.WriteLine($"whisper (random weights) heard '{turn.Transcript}'; session {session.Reason}; STT RTF {turn.Metrics.SttRealTimeFactor:F2}");
            Assert.NotNull(turn.Metrics.SttRealTimeFactor);
            Assert.True(session.Reason is SessionEndReason.IntentNotRecognized or SessionEndReason.Nominal, $"session ended {session.Reason}");
            Assert.False(string.IsNullOrEmpty(turn.ReplyText));
            var reply = engines.ReplySeconds(turn.ReplyText);
            Assert.InRange(result.Speaker.Duration.TotalSeconds, reply * 0.9, reply * 1.1);
            Assert.True(ScriptedSessionsTests.SpeechSeconds(engines, result.SpeakerBetween(0, reply)) >= reply * 0.5, "the reply was not spoken");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
