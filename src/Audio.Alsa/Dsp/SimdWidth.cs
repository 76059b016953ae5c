namespace VoiceAppliance.Audio.Alsa.Dsp;

/// <summary>
/// Caps the vector width the DSP code uses, so tests on one machine can exercise every path: the
/// Vector256 paths (x64 with AVX2), the Vector128 paths (what a Raspberry Pi's AdvSimd runs) and the
/// scalar fallbacks. Production code never changes it.
/// </summary>
internal static class SimdWidth
{
    /// <summary>256 (default: widest available), 128, or 0 (scalar only).</summary>
    internal static int MaxBits { get; set; } = 256;

    internal static bool Use256 => MaxBits >= 256;

    internal static bool Use128 => MaxBits >= 128;
}
