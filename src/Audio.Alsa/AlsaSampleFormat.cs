using System.Runtime.InteropServices;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>Interleaved sample formats the appliance reads and writes (values are alsa-lib's <c>snd_pcm_format_t</c>).</summary>
public enum AlsaSampleFormat
{
    /// <summary>Signed 16-bit little-endian.</summary>
    S16LE = 2,

    /// <summary>Signed 32-bit little-endian (24-bit codecs deliver their samples in the top bits).</summary>
    S32LE = 10,

    /// <summary>32-bit IEEE float little-endian.</summary>
    FloatLE = 14,

    /// <summary>Signed 24-bit little-endian packed in 3 bytes (ALSA <c>S24_3LE</c>).</summary>
    S24Packed3LE = 32,
}
