using System.Text;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Hosting;

/// <summary>
/// Intents' publish actions over MQTT: queued durably through <see cref="MqttService.PublishMessage"/> (delivered
/// after outages). Without MQTT (no <see cref="Target"/>) messages are dropped, as with <see cref="NullMessagePublisher"/>.
/// </summary>
public sealed class MqttMessagePublisher : IMessagePublisher
{
    /// <summary>The MQTT service, set once it exists (the workflow is built before it).</summary>
    public MqttService? Target { get; set; }

    /// <inheritdoc />
    public ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(payload);
        Target?.PublishMessage(topic, Encoding.UTF8.GetBytes(payload));
        return ValueTask.CompletedTask;
    }
}
