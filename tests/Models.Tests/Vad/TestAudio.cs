using System.Buffers.Binary;

namespace VoiceAppliance.Models.Tests.Vad;

/// <summary>Audio for the VAD/TTS tests: a minimal PCM16 WAV reader and generated signals.</summary>
internal static class TestAudio
{
    /// <summary>Reads a mono 16-bit PCM WAV file as floats in [-1, 1].</summary>
    public static (float[] Samples, int SampleRate) ReadWav(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var rate = 0;
        var pos = 12;
        while (pos + 8 <= bytes.Length)
        {
            var id = System.Text.Encoding.ASCII.GetString(bytes, pos, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos + 4));
            if (id == "fmt ")
            {
                Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 10)));
                rate = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos + 12));
                Assert.Equal(16, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 22)));
            }
            else if (id == "data")
            {
                var count = Math.Min(size, bytes.Length - pos - 8) / 2;
                var samples = new float[count];
                for (var i = 0; i < count; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 8 + (2 * i))) / 32768f;
                }

                return (samples, rate);
            }

            pos += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{path}: no data chunk");
    }

    /// <summary>Gaussian-ish white noise (sum of uniforms) at an RMS of <paramref name="rms"/>.</summary>
    public static float[] WhiteNoise(int samples, float rms, int seed)
    {
        var random = new Random(seed);
        var result = new float[samples];
        for (var i = 0; i < samples; i++)
        {
            var sum = 0.0;
            for (var k = 0; k < 4; k++)
            {
                sum += random.NextDouble() - 0.5;
            }

            result[i] = (float)(sum * rms * Math.Sqrt(3.0));
        }

        return result;
    }

    /// <summary>A sine tone.</summary>
    public static float[] Tone(int samples, double frequency, float amplitude, int sampleRate = 16000)
    {
        var result = new float[samples];
        for (var i = 0; i < samples; i++)
        {
            result[i] = amplitude * (float)Math.Sin(2 * Math.PI * frequency * i / sampleRate);
        }

        return result;
    }

    /// <summary>RMS per block of <paramref name="block"/> samples.</summary>
    public static float[] BlockRms(ReadOnlySpan<float> samples, int block)
    {
        var result = new float[samples.Length / block];
        for (var b = 0; b < result.Length; b++)
        {
            var s = samples.Slice(b * block, block);
            double sum = 0;
            foreach (var v in s)
            {
                sum += v * v;
            }

            result[b] = (float)Math.Sqrt(sum / block);
        }

        return result;
    }
}
