using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Mqtt;

/// <summary>An intercom recording received over MQTT, already parsed by <see cref="WavFile.Parse"/>.</summary>
/// <param name="Audio">The decoded audio.</param>
/// <param name="From">The sending device id when the topic names it (<c>.../intercom/play/&lt;from&gt;</c>).</param>
/// <param name="WavBytes">The original WAV bytes.</param>
public sealed record IntercomClip(WavAudio Audio, string? From, ReadOnlyMemory<byte> WavBytes);
