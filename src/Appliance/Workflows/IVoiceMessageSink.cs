using System.Globalization;
using System.Runtime.CompilerServices;
using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Workflows;

/// <summary>Where recorded messages go: a WAV file now, the MQTT intercom later.</summary>
public interface IVoiceMessageSink
{
    /// <summary>Takes <paramref name="message"/>.</summary>
    ValueTask DeliverAsync(VoiceMessage message, CancellationToken cancellationToken);
}
