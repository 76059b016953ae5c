using System.Buffers.Binary;

namespace VoiceAppliance.Models.Tests.Whisper;

/// <summary>Audio helpers for the STT tests: a 16-bit PCM WAV reader and synthetic signals.</summary>
internal static class TestAudio
{
    /// <summary>Reads a 16-bit PCM mono WAV as floats; throws if it is not 16 kHz mono 16-bit.</summary>
    public static float[] ReadWav16kMono(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var pos = 12;
        int channels = 0, rate = 0, bits = 0;
        while (pos + 8 <= bytes.Length)
        {
            var id = System.Text.Encoding.ASCII.GetString(bytes, pos, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos + 4));
            if (id == "fmt ")
            {
                channels = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 10));
                rate = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos + 12));
                bits = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 22));
            }
            else if (id == "data")
            {
                if (channels != 1 || rate != 16000 || bits != 16)
                {
                    throw new InvalidDataException($"{path}: {channels} ch {rate} Hz {bits} bit, expected 16 kHz mono 16-bit");
                }

                size = Math.Min(size, bytes.Length - pos - 8);
                var samples = new float[size / 2];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 8 + (2 * i))) / 32768f;
                }

                return samples;
            }

            pos += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{path}: no data chunk");
    }

    /// <summary>A seeded mix of tones and noise, like a voice-band signal.</summary>
    public static float[] Synthetic(double seconds, int seed = 7)
    {
        var random = new Random(seed);
        var samples = new float[(int)(seconds * 16000)];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = i / 16000.0;
            samples[i] = (float)((0.2 * Math.Sin(2 * Math.PI * 220 * t) * Math.Sin(2 * Math.PI * 3 * t)) + (0.1 * Math.Sin(2 * Math.PI * 660 * t)) + (0.05 * ((random.NextDouble() * 2) - 1)));
        }

        return samples;
    }

    /// <summary>Word error rate of <paramref name="hypothesis"/> against <paramref name="reference"/> (case and punctuation ignored).</summary>
    public static double WordErrorRate(string reference, string hypothesis)
    {
        static string[] Words(string s) => new string(s.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) || c == '\'' ? c : ' ').ToArray())
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var r = Words(reference);
        var h = Words(hypothesis);
        var d = new int[r.Length + 1, h.Length + 1];
        for (var i = 0; i <= r.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= h.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= r.Length; i++)
        {
            for (var j = 1; j <= h.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1));
            }
        }

        return r.Length == 0 ? h.Length : d[r.Length, h.Length] / (double)r.Length;
    }
}
