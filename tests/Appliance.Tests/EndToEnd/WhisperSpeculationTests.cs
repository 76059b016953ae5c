using VoiceAppliance.Models.Whisper;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;
using VoiceAppliance.Tests.Pipeline;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>
/// Whisper incremental speculation (<c>Pipeline:Speculation</c>) through the real pipeline: Piper-spoken long
/// utterances from a real ALSA file PCM at real time, the real Silero VAD, the real whisper.cpp binding. Whisper runs
/// on a generated random-weight model (no real weights exist here; its text is meaningless but deterministic), so the
/// tests assert the mechanism through a counting seam: which decodes ran, on how much audio, on which thread, and
/// which of them made the transcript. No elapsed time is asserted.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class WhisperSpeculationTests(EndToEndFixture engines, ITestOutputHelper output) : IDisposable
{
    /// <summary>About 8 s of Piper speech.</summary>
    private const string LongText = "Please add milk, eggs, bread, butter and two bags of coffee to the shopping list, and remind me to call the plumber tomorrow morning about the kitchen sink.";

    private static readonly SpeculationOptions s_on = new() { Incremental = IncrementalSpeculationMode.On, CommitAfter = TimeSpan.FromSeconds(2) };
    private readonly string _dir = TestPaths.NewTempDirectory("e2e-whisper-spec");
    private WhisperModel? _model;

    public void Dispose()
    {
        // A cancelled decode ends at ggml's next abort check, on its own thread: free the model after it.
        SpinWait.SpinUntil(() => _model is null || _model.ActiveRuns == 0, TimeSpan.FromSeconds(60));
        _model?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task LongSpeechCommitsWindowsWhileTheUserSpeaksAndTheEndpointDecodesOnlyTheTail()
    {
        // No pause guess (EarlyEndpoint off): the endpoint itself decodes the tail.
        var stt = Whisper();
        var recording = new ScriptedRecording().Noise(0.3).TapWhenIdle().Noise(0.4).Say(LongText, engines.Speech(LongText)).Noise(1.5);
        var options = new RigOptions
        {
            MicSpeed = 1,
            Pipeline = new PipelineOptions { Speculation = s_on, EarlyEndpoint = new EarlyEndpointOptions { Enabled = false } },
            Wrap = e => e with { Stt = stt },
        };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        Assert.Empty(result.Errors);
        var turn = Assert.Single(result.Turns);
        Log(stt, turn);
        var utterance = (int)Math.Round(turn.Metrics.UtteranceDuration.TotalSeconds * 16000);
        Assert.True(utterance > 6 * 16000, $"the utterance should be long ({utterance / 16000.0:F1} s)");

        // Windows were decoded in the background while the user spoke, never on the audio thread.
        var committed = stt.Calls.Where(c => c.Background && c.Completed).ToList();
        Assert.NotEmpty(committed);
        Assert.Equal(committed.Count, turn.Metrics.SpeculativeDecodes);
        Assert.All(stt.Calls, c => Assert.NotEqual("pipeline-audio", c.Thread));
        Assert.All(stt.Calls, c => Assert.NotNull(c.Prompt)); // never a whole-utterance decode

        // After the endpoint one decode ran: the tail after the last committed window, with the committed text as the prompt.
        var tail = Assert.Single(stt.Calls, c => !c.Background);
        Assert.Same(tail, stt.Calls[^1]);
        Assert.True(tail.Completed);
        Assert.Equal(tail.Samples / 16000.0, turn.Metrics.TailDuration!.Value.TotalSeconds, 3);
        Assert.True(tail.Samples < utterance - (16000 * 1.5), $"the tail ({tail.Samples / 16000.0:F2} s) should be well short of the utterance");
        Assert.StartsWith(tail.Prompt!, turn.Transcript, StringComparison.Ordinal);
        Assert.Equal(1, stt.MaxConcurrent);
        Assert.False(turn.Metrics.SpeculativeTranscript);

        var json = PipelineEventPayload.ToJson(turn);
        Assert.Contains($"\"speculative_decodes\":{committed.Count}", json, StringComparison.Ordinal);
        Assert.Contains("\"tail_ms\":", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGuessInThePauseIsTheTranscriptWithNoDecodeAfterTheEndpoint()
    {
        var stt = Whisper();
        VoicePipeline? pipeline = null;
        stt.StateProbe = () => pipeline?.State.ToString() ?? "unknown";
        var recording = new ScriptedRecording().Noise(0.3).TapWhenIdle().Noise(0.4).Say(LongText, engines.Speech(LongText)).Noise(2.5);
        var options = new RigOptions { MicSpeed = 1, Pipeline = new PipelineOptions { Speculation = s_on }, Wrap = e => e with { Stt = stt }, OnEvent = (p, _) => pipeline ??= p };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        Assert.Empty(result.Errors);
        var turn = Assert.Single(result.Turns);
        Log(stt, turn);

        // The tail was decoded in the last pause; the silence then ended the utterance with no new speech, so that
        // guess is the transcript and nothing was decoded after the endpoint (guesses in Piper's comma pauses were
        // dropped when the speech went on).
        Assert.True(turn.Metrics.SpeculativeTranscript, "the pause's guess should be the transcript");
        Assert.Equal(UtteranceEnd.Silence, turn.Metrics.UtteranceEnd);
        Assert.All(stt.Calls, c => Assert.Equal(nameof(PipelineState.Listening), c.State));
        var tail = stt.Calls.Last(c => !c.Background);
        Assert.True(tail.Completed);
        Assert.Equal(tail.Samples / 16000.0, turn.Metrics.TailDuration!.Value.TotalSeconds, 3);
        Assert.True(turn.Metrics.SpeculativeDecodes >= 1);
        Assert.Equal(turn.Metrics.SpeculativeDecodes, stt.Calls.Count(c => c.Background && c.Completed));
        Assert.True(tail.Samples < turn.Metrics.UtteranceDuration.TotalSeconds * 16000, "the guess decodes the tail of the utterance so far");
        Assert.All(stt.Calls, c => Assert.NotEqual("pipeline-audio", c.Thread));
        var final = Assert.Single(result.Events.OfType<TranscriptEvent>());
        Assert.True(final.IsFinal);
        Assert.Equal(turn.Transcript, final.Text);
    }

    [Fact]
    public async Task SpeechThatResumesAfterThePauseDropsTheGuessUnseen()
    {
        // First part, a 450 ms pause (longer than EarlyEndpoint:Pause, shorter than the 700 ms window), second part.
        const string First = "Please add milk, eggs, bread and butter to the shopping list";
        const string Second = "and remind me to call the plumber tomorrow morning.";
        var stt = Whisper();
        var recording = new ScriptedRecording().Noise(0.3).TapWhenIdle().Noise(0.4)
            .Say(First, engines.Speech(First)).Noise(0.45).Say(Second, engines.Speech(Second)).Noise(2.5);
        // No background window (the utterance is shorter than CommitAfter): one still running in the pause, as happens
        // on a loaded machine, would keep the pause's guess from starting (at most one decode runs at a time).
        var noWindows = s_on with { CommitAfter = TimeSpan.FromSeconds(20) };
        var options = new RigOptions { MicSpeed = 1, Pipeline = new PipelineOptions { Speculation = noWindows }, Wrap = e => e with { Stt = stt } };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        Assert.Empty(result.Errors);
        var turn = Assert.Single(result.Turns);
        Log(stt, turn);
        Assert.DoesNotContain(stt.Calls, c => c.Background);

        // A tail was decoded in the mid-sentence pause and dropped when the speech came back; the last pause's tail is
        // the transcript. Nothing of the dropped guess was published: the only transcript event is the final one.
        var tails = stt.Calls.Where(c => !c.Background).ToList();
        Assert.True(tails.Count >= 2, "a guess must have started in the 450 ms pause, and another at the end");
        Assert.True(turn.Metrics.SpeculativeTranscript);
        Assert.Equal(tails[^1].Samples / 16000.0, turn.Metrics.TailDuration!.Value.TotalSeconds, 3); // the last guess made the transcript
        var final = Assert.Single(result.Events.OfType<TranscriptEvent>());
        Assert.Equal(turn.Transcript, final.Text);
        Assert.All(stt.Calls, c => Assert.NotEqual("pipeline-audio", c.Thread));
    }

    [Fact]
    public async Task EndingTheSessionCancelsTheBackgroundDecodeInFlight()
    {
        var stt = Whisper();
        stt.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        VoicePipeline? pipeline = null;
        _ = stt.BackgroundStarted.Task.ContinueWith(_ => pipeline?.Stop(), TaskScheduler.Default);
        var recording = new ScriptedRecording().Noise(0.3).TapWhenIdle().Noise(0.4).Say(LongText, engines.Speech(LongText)).Noise(1.5);
        var options = new RigOptions
        {
            MicSpeed = 1,
            Pipeline = new PipelineOptions { Speculation = s_on, EarlyEndpoint = new EarlyEndpointOptions { Enabled = false } },
            Wrap = e => e with { Stt = stt },
            OnEvent = (p, e) => pipeline ??= p,
        };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        var session = Assert.Single(result.Sessions);
        Assert.Equal(SessionEndReason.AbortedByUser, session.Reason);
        // The held window was cancelled (no pause guess runs here, so only the session's end could), and nothing else ran.
        var held = Assert.Single(stt.Calls);
        Assert.True(held.Background);
        Assert.True(held.Cancelled, "the session's end must cancel the decode in flight");
        Assert.Empty(result.Events.OfType<TranscriptEvent>());
    }

    private CountingIncrementalStt Whisper()
    {
        if (_model is null)
        {
            var path = Path.Combine(_dir, "ggml-random-small.bin");
            GgmlWhisperModelWriter.Write(path, GgmlWhisperModelWriter.SmallEnglish, seed: 3);
            _model = WhisperModel.Load(path);
        }

        return new CountingIncrementalStt(new WhisperSpeechToText(_model, new WhisperOptions { Threads = 2, BestOf = 1, TemperatureIncrement = 0 }));
    }

    private void Log(CountingIncrementalStt stt, TurnEndedEvent turn)
    {
        foreach (var c in stt.Calls)
        {
            output.WriteLine($"{(c.Background ? "window" : "tail  ")} {c.Samples / 16000.0:F2} s threads {c.Threads} on '{c.Thread}' {(c.Completed ? "done" : c.Cancelled ? "cancelled" : "?")} prompt {c.Prompt?.Length ?? -1} chars");
        }

        output.WriteLine($"utterance {turn.Metrics.UtteranceDuration.TotalSeconds:F2} s, decodes {turn.Metrics.SpeculativeDecodes}, tail {turn.Metrics.TailDuration?.TotalMilliseconds} ms, speculative {turn.Metrics.SpeculativeTranscript}, transcript {turn.Transcript?.Length} chars");
    }
}
