using System.Collections.Concurrent;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models.Piper;

/// <summary>Offline band-limited resampling (windowed sinc) for test audio and tools; allocates its result.</summary>
public static class AudioResampler
{
    private const int ZeroCrossings = 16;

    /// <summary>Resamples mono <paramref name="input"/> from <paramref name="fromRate"/> to <paramref name="toRate"/>.</summary>
    public static float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toRate);
        if (fromRate == toRate)
        {
            return input.ToArray();
        }

        var ratio = (double)toRate / fromRate;
        var cutoff = Math.Min(1.0, ratio) * 0.95;
        var halfWidth = ZeroCrossings / cutoff;
        var output = new float[(int)Math.Floor(input.Length * ratio)];
        for (var n = 0; n < output.Length; n++)
        {
            var t = n / ratio;
            var first = Math.Max(0, (int)Math.Ceiling(t - halfWidth));
            var last = Math.Min(input.Length - 1, (int)Math.Floor(t + halfWidth));
            double sum = 0;
            for (var k = first; k <= last; k++)
            {
                var x = t - k;
                var arg = Math.PI * cutoff * x;
                var sinc = Math.Abs(arg) < 1e-9 ? 1.0 : Math.Sin(arg) / arg;
                var w = 0.5 + (0.5 * Math.Cos(Math.PI * x / halfWidth));
                sum += input[k] * sinc * w;
            }

            output[n] = (float)(sum * cutoff);
        }

        return output;
    }
}
