using VoiceAppliance.Models.WakeWord;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>openWakeWord's real weights, loaded once for the wake word end-to-end tests.</summary>
public sealed class WakeWordModelsFixture : IDisposable
{
    private readonly WakeWordFeatureModels? _features;
    private readonly WakeWordModel? _jarvis;

    public WakeWordModelsFixture()
    {
        if (File.Exists(TestPaths.Model("openwakeword/hey_jarvis_v0.1.onnx")))
        {
            _features = WakeWordFeatureModels.LoadFromDirectory(TestPaths.Model("openwakeword"));
            _jarvis = WakeWordModel.Load(TestPaths.Model("openwakeword/hey_jarvis_v0.1.onnx"));
        }
    }

    /// <summary>A new detector for hey_jarvis (the caller disposes it).</summary>
    public WakeWordDetector NewDetector(float threshold = 0.5f) =>
        new(_features!, [new WakeWordTarget(_jarvis!, threshold)], TimeSpan.FromSeconds(2));

    public void Dispose()
    {
        _jarvis?.Dispose();
        _features?.Dispose();
    }
}

/// <summary>
/// The wake word beside the button, end to end: Piper speech through a real ALSA file PCM, the real openWakeWord
/// chain, Silero, the grammar STT and the intents workflow. Mechanisms and events are asserted, never elapsed times.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class WakeWordTests(EndToEndFixture engines, WakeWordModelsFixture wake, ITestOutputHelper output) : IClassFixture<WakeWordModelsFixture>
{
    private const string Jarvis = "openwakeword/hey_jarvis_v0.1.onnx";
    private const string Why = "openWakeWord's real weights";

    [RequiresFileFact(Jarvis, Why)]
    public async Task Hey_jarvis_then_a_command_starts_a_session_and_the_command_is_transcribed()
    {
        var recording = new ScriptedRecording()
            .Noise(1.0)
            .Say("Hey Jarvis.", engines.Speech("Hey Jarvis."))
            .Noise(0.4)
            .Say("Turn on the kitchen light.", engines.Speech("Turn on the kitchen light."))
            .Noise(3);

        var result = await Run(recording, new WakeWordOptions { Enabled = true });

        Assert.Empty(result.Errors);
        var session = Assert.Single(result.Events.OfType<SessionStartedEvent>());
        Assert.Equal(SessionTrigger.WakeWord, session.Trigger);
        var heard = Assert.Single(result.Events.OfType<WakeWordEvent>());
        Assert.Equal("hey_jarvis", heard.Word);
        Assert.InRange(heard.Score, 0.5f, 1f);
        Assert.Equal(session.SessionId, heard.SessionId);
        Assert.False(heard.BargeIn);
        var turn = Assert.Single(result.Turns);
        Assert.Equal("turn on the kitchen light", turn.Transcript);
        Assert.Equal("ChangeLightState", turn.Intent);
        Assert.Equal([("home/kitchen/light/set", "on")], result.Published);

        // The wake event as MQTT and the logs see it.
        var json = PipelineEventPayload.ToJson(heard);
        Assert.Contains("\"event_type\":\"wake\"", json, StringComparison.Ordinal);
        Assert.Contains("\"word\":\"hey_jarvis\"", json, StringComparison.Ordinal);
        Assert.Contains("\"action\":\"listen\"", json, StringComparison.Ordinal);
        Assert.Contains("\"trigger\":\"wake_word\"", PipelineEventPayload.ToJson(session), StringComparison.Ordinal);
    }

    [RequiresFileFact(Jarvis, Why)]
    public Task Hey_jarvis_run_straight_into_the_command_in_one_breath_is_still_heard() => RunOn(vadGate: false);

    [RequiresFileFact(Jarvis, Why)]
    public Task With_the_Silero_gate_the_run_on_command_is_heard_and_silence_is_not_scored() => RunOn(vadGate: true);

    [RequiresFileFact(Jarvis, Why)]
    public async Task Speech_without_the_wake_word_starts_nothing()
    {
        var recording = new ScriptedRecording()
            .Noise(0.5)
            .Say("Turn on the kitchen light.", engines.Speech("Turn on the kitchen light."))
            .Noise(0.5)
            .Say("What time is it?", engines.Speech("What time is it?"))
            .Noise(1.5);

        var result = await Run(recording, new WakeWordOptions { Enabled = true });

        Assert.Empty(result.Errors);
        Assert.Empty(result.Events.OfType<WakeWordEvent>());
        Assert.Empty(result.Events.OfType<SessionStartedEvent>());
    }

    [RequiresFileFact(Jarvis, Why)]
    public async Task A_word_with_the_event_action_is_reported_and_starts_no_session()
    {
        var recording = new ScriptedRecording()
            .Noise(1.0)
            .Say("Hey Jarvis.", engines.Speech("Hey Jarvis."))
            .Noise(2);
        var options = new WakeWordOptions
        {
            Enabled = true,
            Words = [new WakeWordEntry { Model = "hey_jarvis", Action = WakeWordAction.Event, Event = "jarvis_called" }],
        };

        var result = await Run(recording, options);

        Assert.Empty(result.Errors);
        var heard = Assert.Single(result.Events.OfType<WakeWordEvent>());
        Assert.Equal(WakeWordAction.Event, heard.Action);
        Assert.Equal("jarvis_called", heard.EventName);
        Assert.Empty(result.Events.OfType<SessionStartedEvent>());

        // An id of its own, the same in the pipeline event and the MQTT report, and no session's.
        Assert.Matches("^[0-9a-f]{12}$", heard.SessionId);
        Assert.DoesNotContain(result.Events, e => e is not WakeWordEvent && e.SessionId == heard.SessionId);
        var json = PipelineEventPayload.ToJson(heard);
        Assert.Contains("\"event\":\"jarvis_called\"", json, StringComparison.Ordinal);
        Assert.Contains($"\"session_id\":\"{heard.SessionId}\"", json, StringComparison.Ordinal);
        var report = Assert.IsType<VoiceAppliance.Mqtt.SessionEventReport>(VoiceAppliance.Hosting.EventBridgeService.ToReport(heard));
        Assert.Equal(heard.SessionId, report.SessionId);
        Assert.Equal("jarvis_called", report.Reason);
    }

    [RequiresFileFact(Jarvis, Why)]
    public async Task While_the_device_speaks_without_echo_cancellation_the_wake_word_is_ignored()
    {
        var recording = StoryThenWakeWord();

        var result = await Run(recording, new WakeWordOptions { Enabled = true }, speakerSpeed: 1);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Events.OfType<WakeWordEvent>());
        var session = Assert.Single(result.Sessions);
        Assert.Equal(1, session.Turns);
        Assert.False(Assert.Single(result.Turns).Interrupted);
    }

    [RequiresFileFact(Jarvis, Why)]
    public async Task With_echo_cancellation_the_wake_word_over_the_reply_is_a_barge_in()
    {
        var recording = StoryThenWakeWord();

        // Speech alone confirms a barge-in only after 3 s here, so what interrupts the story is the wake word.
        var bargeIn = new BargeInOptions { Mode = BargeInMode.HardCut, EchoCancelled = true, ConfirmSpeech = TimeSpan.FromSeconds(3) };
        var result = await Run(recording, new WakeWordOptions { Enabled = true }, speakerSpeed: 1, bargeIn: bargeIn);

        Assert.Empty(result.Errors);
        var heard = Assert.Single(result.Events.OfType<WakeWordEvent>());
        Assert.True(heard.BargeIn);
        Assert.Equal("\"interrupted\":true", PipelineEventPayload.ToJson(heard).Split(',').Single(p => p.StartsWith("\"interrupted\"", StringComparison.Ordinal)).TrimEnd('}'));
        var session = Assert.Single(result.Sessions);
        Assert.Equal(heard.SessionId, session.SessionId);
        Assert.True(result.Turns[0].Interrupted, "the story was cut by the wake word");
        Assert.Equal("turn off the bedroom light", result.Turns[1].Transcript);
    }

    // 5 s of the room first: the chain's reset after the tap replays 2.16 s of it (ResetFromRoom; with less heard
    // nothing would be scored for the first 2.16 s after the reset, and the word comes 0.5 s into the reply).
    private ScriptedRecording StoryThenWakeWord() => new ScriptedRecording()
        .Noise(5).TapWhenIdle().Noise(0.5)
        .Say("Tell me a story.", engines.Speech("Tell me a story."))
        .Noise(1.2)
        .Cue("speak while the story is spoken", async c =>
        {
            await c.WaitForStateAsync(PipelineState.Speaking);
            await Task.Delay(500);
        })
        .Say("Hey Jarvis.", engines.Speech("Hey Jarvis."))
        .Noise(0.4)
        .Say("Turn off the bedroom light.", engines.Speech("Turn off the bedroom light."))
        .Noise(3);

    private async Task RunOn(bool vadGate)
    {
        const string Spoken = "Hey Jarvis, turn on the kitchen light.";
        var recording = new ScriptedRecording()
            .Noise(2.0)
            .Say(Spoken, engines.Speech(Spoken))
            .Noise(3);
        long scored = 0;
        var result = await Run(recording, new WakeWordOptions { Enabled = true, VadGate = vadGate }, framesScored: n => scored = n);

        Assert.Empty(result.Errors);
        var heard = Assert.Single(result.Events.OfType<WakeWordEvent>());
        output.WriteLine($"wake score {heard.Score:F3}; {scored} frames scored of {recording.Seconds / 0.08:F0}");
        var turn = Assert.Single(result.Turns);
        Assert.Equal("turn on the kitchen light", turn.Transcript);
        Assert.Equal("ChangeLightState", turn.Intent);
        if (vadGate)
        {
            // The 2 s of noise before the phrase were not scored (the catch-up covers 1.5 s of them).
            Assert.InRange(scored, 1, (long)((recording.Seconds - 0.6) / 0.08));
        }
    }

    private async Task<RigResult> Run(ScriptedRecording recording, WakeWordOptions wakeOptions, double speakerSpeed = 4, BargeInOptions? bargeIn = null, Action<long>? framesScored = null)
    {
        using var detector = wake.NewDetector();
        var options = new RigOptions
        {
            MicSpeed = 4,
            SpeakerSpeed = speakerSpeed,
            Pipeline = new PipelineOptions { WakeWord = wakeOptions, BargeIn = bargeIn ?? new BargeInOptions() },
            Wrap = e => e with { WakeWord = detector },
        };
        var result = await EndToEndRig.RunAsync(engines, recording, options, output);
        framesScored?.Invoke(detector.TotalFrames);
        return result;
    }
}
