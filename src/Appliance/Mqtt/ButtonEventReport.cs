using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Mqtt;

/// <summary>A button event for <c>&lt;base&gt;/event/button</c> (QoS 1, durable: queued in the outbox across outages and restarts).</summary>
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

    /// <summary>Unique, increasing message id (the outbox sequence): consumers de-duplicate on it. Filled in by <see cref="MqttService"/>.</summary>
    public string? Id { get; init; }

    /// <summary>When it happened; stamped if unset.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
