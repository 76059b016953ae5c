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

    /// <summary>Length of the user's speech, in ms.</summary>
    public double? SpeechMs { get; init; }

    /// <summary>Speech-to-text real-time factor.</summary>
    public double? SttRtf { get; init; }

    /// <summary>Text-to-speech real-time factor.</summary>
    public double? TtsRtf { get; init; }

    /// <summary>Whole session duration in ms (session_ended).</summary>
    public double? DurationMs { get; init; }

    /// <summary>Filled in by <see cref="MqttService"/>: a unique, increasing message id ("&lt;device&gt;-&lt;n&gt;") consumers de-duplicate by.</summary>
    public string? Id { get; init; }

    /// <summary>Filled in by <see cref="MqttService"/>.</summary>
    public string? DeviceId { get; init; }

    /// <summary>When it happened; <see cref="MqttService"/> stamps it if unset.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>The <see cref="SessionEventReport.EventType"/> values (also the Home Assistant event types).</summary>
public static class SessionEventTypes
{
    /// <summary>A session began.</summary>
    public const string SessionStarted = "session_started";

    /// <summary>A turn began (listening).</summary>
    public const string TurnStarted = "turn_started";

    /// <summary>A partial or final transcript.</summary>
    public const string Transcript = "transcript";

    /// <summary>A turn ended, with metrics.</summary>
    public const string TurnEnded = "turn_ended";

    /// <summary>The session ended, with its reason.</summary>
    public const string SessionEnded = "session_ended";

    /// <summary>The pipeline hit an error.</summary>
    public const string Error = "error";

    /// <summary>All of them.</summary>
    public static IReadOnlyList<string> All { get; } = [SessionStarted, TurnStarted, Transcript, TurnEnded, SessionEnded, Error];
}

/// <summary>A button event for <c>&lt;base&gt;/event/button</c> (QoS 1, not queued across outages).</summary>
public sealed record ButtonEventReport
{
    /// <summary>press, release, long_press or double_press.</summary>
    public required string EventType { get; init; }

    /// <summary>Which button (config name), e.g. "main".</summary>
    public string? Button { get; init; }

    /// <summary>How long it was held (release, long_press), in ms.</summary>
    public double? DurationMs { get; init; }

    /// <summary>The session the press started or affected, if any.</summary>
    public string? SessionId { get; init; }

    /// <summary>Filled in by <see cref="MqttService"/>.</summary>
    public string? DeviceId { get; init; }

    /// <summary>When it happened; stamped if unset.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>The <see cref="ButtonEventReport.EventType"/> values.</summary>
public static class ButtonEventTypes
{
    /// <summary>All button event types.</summary>
    public static IReadOnlyList<string> All { get; } = ["press", "release", "long_press", "double_press"];
}

/// <summary>The appliance state, published retained on <c>&lt;base&gt;/state</c> whenever it changes.</summary>
public sealed record ApplianceStatus
{
    /// <summary>The pipeline state.</summary>
    public PipelineState State { get; init; } = PipelineState.Idle;

    /// <summary>Microphone muted.</summary>
    public bool Muted { get; init; }

    /// <summary>Output volume 0..100.</summary>
    public int Volume { get; init; } = 100;

    /// <summary>Versions of the appliance and its engines/libraries (name -> version).</summary>
    public IReadOnlyDictionary<string, string>? Versions { get; init; }
}

/// <summary>A recognized intent, published on <c>&lt;base&gt;/intent/&lt;name&gt;</c> (QoS 1, through the durable outbox).</summary>
public sealed record IntentReport
{
    /// <summary>The intent name (becomes a topic level; characters other than letters, digits, '_' and '-' become '_').</summary>
    public required string Name { get; init; }

    /// <summary>The recognized text.</summary>
    public string? Text { get; init; }

    /// <summary>Slot values.</summary>
    public IReadOnlyDictionary<string, string>? Slots { get; init; }

    /// <summary>Recognition confidence 0..1.</summary>
    public double? Confidence { get; init; }

    /// <summary>The session it came from.</summary>
    public string? SessionId { get; init; }

    /// <summary>Filled in by <see cref="MqttService"/>.</summary>
    public string? Id { get; init; }

    /// <summary>Filled in by <see cref="MqttService"/>.</summary>
    public string? DeviceId { get; init; }

    /// <summary>When it happened; stamped if unset.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
