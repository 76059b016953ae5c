using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Mqtt;

/// <summary>
/// A pipeline lifecycle event for <c>&lt;base&gt;/event/session</c> (QoS 1, through the durable outbox).
/// <see cref="EventType"/> is one of <see cref="SessionEventTypes"/>; unset optional values are left out of the JSON.
/// </summary>
public sealed record SessionEventReport
{
    /// <summary>session_started, turn_started, transcript, turn_ended, session_ended or error.</summary>
    public required string EventType { get; init; }

    /// <summary>The session id (one per interaction).</summary>
    public required string SessionId { get; init; }

    /// <summary>The turn number within the session (1-based).</summary>
    public int? Turn { get; init; }

    /// <summary>For session_ended/turn_ended: nominal, timeout, aborted_by_user, no_speech, intent_not_recognized, error.</summary>
    public string? Reason { get; init; }

    /// <summary>Transcript (transcript, turn_ended, session_ended) or error message.</summary>
    public string? Text { get; init; }

    /// <summary>For transcript events: final (true) or partial (false).</summary>
    public bool? Final { get; init; }

    /// <summary>The reply text of the turn, if any.</summary>
    public string? Reply { get; init; }

    /// <summary>What started the session: button, mqtt, wake_word, hermes...</summary>
    public string? Trigger { get; init; }

    /// <summary>End of speech to first reply audio, in ms (the headline latency).</summary>
    public double? LatencyMs { get; init; }

    /// <summary>End of speech to final transcript, in ms.</summary>
    public double? TranscriptMs { get; init; }

    /// <summary>End of speech to the first reply text, in ms.</summary>
    public double? FirstReplyTextMs { get; init; }

    /// <summary>End of speech to the first audio out, in ms.</summary>
    public double? FirstAudioMs { get; init; }

    /// <summary>The VAD's last speech window to the first audio out, in ms (what the user feels).</summary>
    public double? VoiceToAudioMs { get; init; }

    /// <summary>The turn ended early on a complete command (<c>Pipeline:EarlyEndpoint</c>).</summary>
    public bool? EarlyEndpoint { get; init; }

    /// <summary>Length of the user's speech, in ms.</summary>
    public double? SpeechMs { get; init; }

    /// <summary>Speech-to-text real-time factor.</summary>
    public double? SttRtf { get; init; }

    /// <summary>Text-to-speech real-time factor.</summary>
    public double? TtsRtf { get; init; }

    /// <summary>wake: the wake word's score (0..1).</summary>
    public double? Score { get; init; }

    /// <summary>turn_ended/session_ended: the providers that served the turn, e.g. <c>stt=cloud-stt llm=cloud-llm tts=piper:...</c>.</summary>
    public string? Provider { get; init; }

    /// <summary>turn_ended/session_ended: every fallback the turn took and why, e.g. <c>tts: cloud-tts http_503 -> piper:...</c>.</summary>
    public string? FallbackReason { get; init; }

    /// <summary>Whole session duration in ms (session_ended).</summary>
    public double? DurationMs { get; init; }

    /// <summary>Filled in by <see cref="MqttService"/>: a unique, increasing message id ("&lt;device&gt;-&lt;n&gt;") consumers de-duplicate by.</summary>
    public string? Id { get; init; }

    /// <summary>Filled in by <see cref="MqttService"/>.</summary>
    public string? DeviceId { get; init; }

    /// <summary>When it happened; <see cref="MqttService"/> stamps it if unset.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
