using System.Runtime.InteropServices;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>Direction of a PCM stream.</summary>
public enum AlsaStreamDirection
{
    /// <summary>Speaker.</summary>
    Playback = 0,

    /// <summary>Microphone.</summary>
    Capture = 1,
}
