using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Configuration;
using VoiceAppliance.Device.Button;
using VoiceAppliance.Hosting;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Tests.Hosting;

/// <summary>The daemon's mappings: Audio section to ALSA options, pipeline events to MQTT reports, gestures, levels, chime.</summary>
public sealed class HostingPartsTests
{
    private static LoadedConfiguration Load(string json) => ApplianceConfiguration.CreateDefault().LoadJson(json, new Dictionary<string, string?>());

    [Fact]
    public void Audio_section_becomes_capture_and_playback_options_from_the_profile_with_overrides()
    {
        var c = Load("""{ "Audio": { "CaptureDevice": "plughw:CARD=seeed4micvoicec", "PlaybackDevice": "hw:1", "MicProfile": "respeaker-4mic", "Channel": "0,2", "Volume": 40, "PlaybackRate": 44100, "CaptureFormat": "s32le" } }""");
        Assert.Empty(c.Issues);
        var capture = c.Audio.ToCaptureOptions("/tmp/asoundrc");
        Assert.Equal("plughw:CARD=seeed4micvoicec", capture.Device);
        Assert.Equal("/tmp/asoundrc", capture.ConfigurationFile);
        Assert.Same(MicArrayProfile.ReSpeaker4Mic, capture.Profile);
        Assert.Equal(4, capture.Channels);
        Assert.Equal(16000, capture.SampleRate);
        Assert.Equal(AlsaSampleFormat.S32LE, capture.Format);
        Assert.Equal(512, capture.PeriodFrames); // Audio:PeriodMs 32: one 512-sample speech window per period
        Assert.Equal([0, 2], capture.Selection!.Channels);
        var playback = c.Audio.ToPlaybackOptions();
        Assert.Equal("hw:1", playback.Device);
        Assert.Equal(44100, playback.SampleRate);
        Assert.Equal(40, playback.Volume);
    }

    [Theory]
    [InlineData("mix", ChannelSelectionKind.Downmix)]
    [InlineData("-1", ChannelSelectionKind.Downmix)]
    [InlineData("1", ChannelSelectionKind.OneChannel)]
    public void Channel_selection_forms(string value, ChannelSelectionKind kind)
    {
        var c = Load($$"""{ "Audio": { "MicProfile": "respeaker-2mic", "Channel": "{{value}}" } }""");
        Assert.Empty(c.Issues);
        Assert.Equal(kind, c.Audio.Channel.Kind);
    }

    [Fact]
    public void Audio_errors_name_key_value_and_what_is_allowed()
    {
        var c = Load("""{ "Audio": { "MicProfile": "respeaker-9mic", "Channel": "2", "Volume": 0.8 } }""");
        var profile = Assert.Single(c.Issues, i => i.Key == "Audio:MicProfile");
        Assert.Contains("respeaker-9mic", profile.Message, StringComparison.Ordinal);
        Assert.Contains("respeaker-usb-v2", profile.Message, StringComparison.Ordinal);
        Assert.Contains("0..0", Assert.Single(c.Issues, i => i.Key == "Audio:Channel").Message, StringComparison.Ordinal);
        Assert.Contains("0 to 100", Assert.Single(c.Issues, i => i.Key == "Audio:Volume").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Models_section_maps_to_whisper_and_piper_options()
    {
        var c = Load("""{ "Models": { "Language": "de", "WhisperThreads": 2, "TtsSpeaker": 7, "TtsLengthScale": 2.0 } }""");
        Assert.Empty(c.Issues);
        var whisper = c.Models.ToWhisperOptions();
        Assert.Equal("de", whisper.Language);
        Assert.Equal(2, whisper.Threads);
        var piper = c.Models.ToPiperOptions();
        Assert.Equal(7, piper.Speaker);
        Assert.Equal(0.5f, piper.Speed);
    }

    [Fact]
    public void Pipeline_events_become_session_reports()
    {
        var started = EventBridgeService.ToReport(new SessionStartedEvent(SessionTrigger.PushToTalkTap) { SessionId = "s-1" })!;
        Assert.Equal(("session_started", "s-1", "button"), (started.EventType, started.SessionId, started.Trigger));

        var metrics = new TurnMetrics { EndOfSpeechToFirstAudioMs = 812.5, EndOfSpeechToTranscriptMs = 300, SpeechDuration = TimeSpan.FromSeconds(1.5), SttRealTimeFactor = 0.25 };
        var ended = EventBridgeService.ToReport(new SessionEndedEvent(SessionEndReason.Timeout, 2, TimeSpan.FromSeconds(5.2), metrics, null) { SessionId = "s-1" })!;
        Assert.Equal("session_ended", ended.EventType);
        Assert.Equal("timeout", ended.Reason);
        Assert.Equal(2, ended.Turn);
        Assert.Equal(5200, ended.DurationMs);
        Assert.Equal(812.5, ended.LatencyMs);
        Assert.Equal(300, ended.TranscriptMs);
        Assert.Equal(1500, ended.SpeechMs);

        var transcript = EventBridgeService.ToReport(new TranscriptEvent(0, "turn on the light", true, "grammar") { SessionId = "s-2" })!;
        Assert.Equal(("transcript", "turn on the light", true), (transcript.EventType, transcript.Text, transcript.Final));

        var error = EventBridgeService.ToReport(new PipelineErrorEvent("capture", "device gone"))!;
        Assert.Equal(("error", string.Empty, "capture: device gone"), (error.EventType, error.SessionId, error.Reason));

        Assert.Null(EventBridgeService.ToReport(new StateChangedEvent(PipelineState.Idle, PipelineState.Listening)));
    }

    [Fact]
    public void Button_gestures_map_to_mqtt_event_types()
    {
        Assert.Equal("press", DeviceService.EventType(ButtonGesture.Pressed));
        Assert.Equal("release", DeviceService.EventType(ButtonGesture.Released));
        Assert.Equal("long_press", DeviceService.EventType(ButtonGesture.LongPress));
        Assert.Equal("double_press", DeviceService.EventType(ButtonGesture.DoublePress));
        Assert.Null(DeviceService.EventType(ButtonGesture.Tap));
        Assert.All(new[] { ButtonGesture.Pressed, ButtonGesture.Released, ButtonGesture.LongPress, ButtonGesture.DoublePress }, g => Assert.Contains(DeviceService.EventType(g), ButtonEventTypes.All));
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(0.01f, 1f / 3f)]
    [InlineData(0.1f, 2f / 3f)]
    [InlineData(0.001f, 0f)]
    [InlineData(1f, 1f)]
    [InlineData(float.NaN, 0f)]
    public void Mic_level_is_minus_60_to_0_dbfs(float rms, float expected) => Assert.Equal(expected, DeviceService.LevelFromRms(rms), 3);

    [Fact]
    public void Intercom_clip_gets_a_chime_and_is_mixed_to_mono()
    {
        float[] stereo = [0.5f, 0.1f, 0.5f, 0.1f, 0.5f, 0.1f];
        var result = PipelineCommandHandler.WithChime(stereo, 2, 16000);
        var chime = (2 * 16000 * 3 / 20) + (16000 / 10);
        Assert.Equal(chime + 3, result.Length);
        Assert.Equal(0.3f, result[chime], 5);
        Assert.True(result.AsSpan(0, 4800).ToArray().Max() > 0.2f, "the chime is audible");
        Assert.True(result.AsSpan(0, 4800).ToArray().Max() <= 0.25f + 1e-6f, "the chime stays below the clip");
    }
}
