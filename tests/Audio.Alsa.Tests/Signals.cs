namespace VoiceAppliance.Audio.Alsa.Tests;

/// <summary>Test signals and measurements.</summary>
internal static class Signals
{
    public static float[] Tone(double frequency, int rate, int frames, float amplitude = 0.5f, double phase = 0)
    {
        var s = new float[frames];
        for (var i = 0; i < frames; i++)
        {
            s[i] = amplitude * (float)Math.Sin((2 * Math.PI * frequency * i / rate) + phase);
        }

        return s;
    }

    /// <summary>Interleaves one signal per channel.</summary>
    public static float[] Interleave(params float[][] channels)
    {
        var frames = channels[0].Length;
        var result = new float[frames * channels.Length];
        for (var i = 0; i < frames; i++)
        {
            for (var c = 0; c < channels.Length; c++)
            {
                result[(i * channels.Length) + c] = channels[c][i];
            }
        }

        return result;
    }

    /// <summary>Amplitude of the <paramref name="frequency"/> component (Goertzel, Hann-windowed; a pure tone of amplitude A gives ~A).</summary>
    public static double Amplitude(ReadOnlySpan<float> x, double frequency, int rate)
    {
        var w = 2 * Math.PI * frequency / rate;
        double re = 0, im = 0, wsum = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var win = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / (x.Length - 1)));
            re += x[i] * win * Math.Cos(w * i);
            im -= x[i] * win * Math.Sin(w * i);
            wsum += win;
        }

        return 2 * Math.Sqrt((re * re) + (im * im)) / wsum;
    }

    /// <summary>Frequency from the count of rising zero crossings, interpolated.</summary>
    public static double Frequency(ReadOnlySpan<float> x, int rate)
    {
        double first = -1, last = -1;
        var count = 0;
        for (var i = 1; i < x.Length; i++)
        {
            if (x[i - 1] < 0 && x[i] >= 0)
            {
                var t = (i - 1) + (x[i - 1] / (double)(x[i - 1] - x[i]));
                if (first < 0)
                {
                    first = t;
                }
                else
                {
                    count++;
                }

                last = t;
            }
        }

        return count == 0 ? 0 : count * rate / (last - first);
    }

    public static double Db(double ratio) => 20 * Math.Log10(Math.Max(ratio, 1e-12));

    public static double Rms(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (var v in x)
        {
            s += v * (double)v;
        }

        return x.Length == 0 ? 0 : Math.Sqrt(s / x.Length);
    }
}
