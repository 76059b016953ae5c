using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VoiceAppliance.Workflows;

/// <summary>How <see cref="MqttConversationWorkflow"/> reaches the other side (the daemon wires MQTT here).</summary>
public interface IConversationChannel
{
    /// <summary>Whether a request can be sent now.</summary>
    bool IsConnected { get; }

    /// <summary>Sends <paramref name="request"/>; false when it could not be sent.</summary>
    bool Send(ConversationRequest request);
}
