using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Mqtt;

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
