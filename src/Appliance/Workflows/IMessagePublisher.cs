namespace VoiceAppliance.Workflows;

/// <summary>Where intents publish messages (the daemon wires MQTT here).</summary>
public interface IMessagePublisher
{
    /// <summary>Publishes <paramref name="payload"/> on <paramref name="topic"/>. Implementations queue while the broker is away.</summary>
    ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken);
}

/// <summary>A publisher that drops messages, for appliances without MQTT.</summary>
public sealed class NullMessagePublisher : IMessagePublisher
{
    /// <summary>The shared instance.</summary>
    public static NullMessagePublisher Instance { get; } = new();

    /// <inheritdoc />
    public ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
