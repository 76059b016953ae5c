namespace VoiceAppliance.Workflows;

/// <summary>A publisher that drops messages, for appliances without MQTT.</summary>
public sealed class NullMessagePublisher : IMessagePublisher
{
    /// <summary>The shared instance.</summary>
    public static NullMessagePublisher Instance { get; } = new();

    /// <inheritdoc />
    public ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
