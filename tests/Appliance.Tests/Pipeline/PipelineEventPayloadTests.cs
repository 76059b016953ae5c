using System.Text.Json;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Tests.Pipeline;

public sealed class PipelineEventPayloadTests
{
    private static readonly DateTimeOffset s_at = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Session_ended_is_flat_snake_case_json_with_the_latency()
    {
        var metrics = new TurnMetrics { EndOfSpeechToFirstAudioMs = 2140.04, EndOfSpeechToTranscriptMs = 812.3, SpeechDuration = TimeSpan.FromSeconds(1.5), UtteranceEnd = UtteranceEnd.MaxUtterance };
        var e = new SessionEndedEvent(SessionEndReason.Timeout, 2, TimeSpan.FromSeconds(5), metrics, "stuck") { Sequence = 9, Timestamp = s_at, SessionId = "abc" };
        using var doc = JsonDocument.Parse(PipelineEventPayload.ToJson(e));
        var root = doc.RootElement;
        Assert.Equal("session_ended", root.GetProperty("event_type").GetString());
        Assert.Equal("timeout", root.GetProperty("reason").GetString());
        Assert.Equal(2140.0, root.GetProperty("latency_ms").GetDouble());
        Assert.Equal(812.3, root.GetProperty("transcript_ms").GetDouble());
        Assert.Equal("max_utterance", root.GetProperty("utterance_end").GetString());
        Assert.Equal("abc", root.GetProperty("session_id").GetString());
        Assert.Equal(9, root.GetProperty("sequence").GetInt64());
        Assert.False(root.TryGetProperty("intent", out _)); // nulls are left out
    }

    [Fact]
    public void State_changes_and_transcripts_carry_their_fields()
    {
        var s = JsonDocument.Parse(PipelineEventPayload.ToJson(new StateChangedEvent(PipelineState.Listening, PipelineState.Transcribing))).RootElement;
        Assert.Equal("transcribing", s.GetProperty("state").GetString());
        Assert.Equal("listening", s.GetProperty("from").GetString());

        var t = JsonDocument.Parse(PipelineEventPayload.ToJson(new TranscriptEvent(0, "turn on \"the\" light", true, "grammar"))).RootElement;
        Assert.Equal("turn on \"the\" light", t.GetProperty("text").GetString());
        Assert.True(t.GetProperty("is_final").GetBoolean());

        var started = JsonDocument.Parse(PipelineEventPayload.ToJson(new SessionStartedEvent(SessionTrigger.PushToTalkHold))).RootElement;
        Assert.Equal("push_to_talk_hold", started.GetProperty("trigger").GetString());
    }

    [Fact]
    public void Lines_summarise_events_for_people()
    {
        var line = PipelineEventPayload.ToLine(new TurnEndedEvent(0, "what time is it", "GetTime", "It is 3 PM.", false, new TurnMetrics { EndOfSpeechToFirstAudioMs = 420 }) { Timestamp = s_at });
        Assert.Equal("[12:00:00.000] turn_ended      turn 0 intent=GetTime reply=\"It is 3 PM.\" | speech 0.00 s, end none, EOS->transcript -, ->first text -, ->first audio 420 ms, last voice->first audio -, STT RTF -, TTS RTF -, dropped 0 ms", line);
        Assert.Equal("[12:00:00.000] error           stt: boom", PipelineEventPayload.ToLine(new PipelineErrorEvent("stt", "boom") { Timestamp = s_at }));
    }
}

public sealed class PipelineEventPrinterTests
{
    [Fact]
    public async Task Prints_each_event_until_the_stream_completes()
    {
        var b = new PipelineEventBroadcaster(new VoiceAppliance.Testing.ManualTimeProvider());
        var sub = b.Subscribe();
        b.Publish(new StateChangedEvent(PipelineState.Idle, PipelineState.Listening));
        b.Publish(new PipelineErrorEvent("tts", "voice missing"));
        b.Complete();
        using var text = new StringWriter();
        await PipelineEventPrinter.RunAsync(sub, text, json: false, CancellationToken.None);
        Assert.Equal(
            "[00:00:00.000] state_changed   idle -> listening\n[00:00:00.000] error           tts: voice missing\n",
            text.ToString().ReplaceLineEndings("\n"));

        var sub2 = new PipelineEventBroadcaster(new VoiceAppliance.Testing.ManualTimeProvider()).Subscribe();
        sub2.Dispose();
        using var json = new StringWriter();
        await PipelineEventPrinter.RunAsync(sub2, json, json: true, CancellationToken.None);
        Assert.Equal(string.Empty, json.ToString());
    }
}
