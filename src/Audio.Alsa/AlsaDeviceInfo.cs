using System.Runtime.InteropServices;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>A PCM device as ALSA lists it.</summary>
/// <param name="Name">The name to put in configuration (for example <c>plughw:CARD=Array,DEV=0</c>).</param>
/// <param name="Description">Human description (card and device names; may span lines).</param>
/// <param name="CanCapture">Usable as a microphone.</param>
/// <param name="CanPlay">Usable as a speaker.</param>
public sealed record AlsaDeviceInfo(string Name, string Description, bool CanCapture, bool CanPlay);
