namespace VoiceAppliance.Workflows;

/// <summary>Where intents publish messages (the daemon wires MQTT here).</summary>
public interface IMessagePublisher
{
    /// <summary>Publishes <paramref name="payload"/> on <paramref name="topic"/>. Implementations queue while the broker is away.</summary>
    ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken);
}
