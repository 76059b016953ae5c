namespace VoiceAppliance.Mqtt;

/// <summary>What became of one publish.</summary>
internal enum PublishStatus
{
    /// <summary>QoS 0: handed to the socket. QoS 1: the broker acknowledged it (PUBACK success or "no matching subscribers").</summary>
    Delivered,

    /// <summary>The broker answered with an MQTT 5 PUBACK error reason code (e.g. 135 "not authorized"): it did not take the message.</summary>
    Refused,

    /// <summary>The connection was down or went down before the acknowledgement: the message may or may not have arrived.</summary>
    NotSent,
}

/// <summary>The result of one publish: status, and for a refusal the broker's reason code and text.</summary>
internal readonly record struct PublishOutcome(PublishStatus Status, int ReasonCode = 0, string? Reason = null)
{
    public static PublishOutcome Delivered { get; } = new(PublishStatus.Delivered);

    public static PublishOutcome NotSent(string reason) => new(PublishStatus.NotSent, 0, reason);

    /// <summary>"rc 135 (NotAuthorized: ...)" for logs and error events.</summary>
    public string Describe() => Status switch
    {
        PublishStatus.Delivered => "delivered",
        PublishStatus.Refused => $"refused by the broker, reason code {ReasonCode} ({Reason})",
        _ => "not sent: " + Reason,
    };
}
