using System.Numerics.Tensors;

namespace VoiceAppliance.Audio.Alsa.Dsp;

/// <summary>Signal levels for LEDs and the mic-test meter (SIMD through TensorPrimitives, with scalar references).</summary>
public static class AudioLevels
{
    /// <summary>Root mean square of <paramref name="samples"/> (0 for an empty span).</summary>
    public static float Rms(ReadOnlySpan<float> samples) =>
        samples.IsEmpty ? 0f : MathF.Sqrt(TensorPrimitives.SumOfSquares(samples) / samples.Length);

    /// <summary>Largest absolute sample (0 for an empty span).</summary>
    public static float Peak(ReadOnlySpan<float> samples) =>
        samples.IsEmpty ? 0f : MathF.Abs(TensorPrimitives.MaxMagnitude(samples));

    /// <summary>A level in dBFS (full scale = 0 dB), floored at -120 dB.</summary>
    public static float ToDbfs(float level) => level <= 1e-6f ? -120f : 20f * MathF.Log10(level);

    /// <summary>Scalar reference of <see cref="Rms"/>.</summary>
    public static float RmsScalar(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty)
        {
            return 0f;
        }

        double sum = 0;
        foreach (var s in samples)
        {
            sum += s * (double)s;
        }

        return (float)Math.Sqrt(sum / samples.Length);
    }

    /// <summary>Scalar reference of <see cref="Peak"/>.</summary>
    public static float PeakScalar(ReadOnlySpan<float> samples)
    {
        var peak = 0f;
        foreach (var s in samples)
        {
            peak = MathF.Max(peak, MathF.Abs(s));
        }

        return peak;
    }
}
