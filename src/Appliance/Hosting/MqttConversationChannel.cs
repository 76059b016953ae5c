using VoiceAppliance.Mqtt;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Hosting;

/// <summary>
/// The MQTT conversation workflow's requests go out through <see cref="MqttService.PublishConversationRequest"/>.
/// Until <see cref="Target"/> is set (the workflow is built before the MQTT service) the broker counts as unreachable.
/// </summary>
public sealed class MqttConversationChannel : IConversationChannel
{
    /// <summary>The MQTT service, once it exists.</summary>
    public MqttService? Target { get; set; }

    /// <inheritdoc />
    public bool IsConnected => Target?.IsConnected ?? false;

    /// <inheritdoc />
    public bool Send(ConversationRequest request) => Target?.PublishConversationRequest(request) ?? false;
}
