namespace VoiceAppliance.Pipeline;

/// <summary>
/// A pipeline event. Subscribers (LEDs, MQTT, logs, the CLI) receive them in <see cref="Sequence"/> order
/// through <see cref="PipelineEventBroadcaster.Subscribe"/>.
/// </summary>
public abstract record PipelineEvent
{
    /// <summary>Position in the pipeline's event stream (1, 2, ...), gap-free as published.</summary>
    public long Sequence { get; init; }

    /// <summary>When the event was published, from the pipeline's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The session the event belongs to; null for state changes and errors outside a session.</summary>
    public string? SessionId { get; init; }

    /// <summary>The snake_case event type, for example <c>session_ended</c>.</summary>
    public abstract string EventType { get; }
}
