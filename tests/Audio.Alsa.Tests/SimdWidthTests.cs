using System.Runtime.InteropServices;
using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Audio.Alsa.Tests;

/// <summary>
/// Runs every SIMD kernel with the vector width capped at 128 bits (the Raspberry Pi's AdvSimd path) and at
/// 0 (scalar fallback) against its scalar reference, so all paths are tested on an AVX2 build machine too.
/// </summary>
[Collection("audio kernels")]
public sealed class SimdWidthTests
{
    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        foreach (var width in new[] { 256, 128, 0 })
        {
            foreach (var n in new[] { 1, 3, 7, 15, 17, 33, 1001 })
            {
                data.Add(width, n);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_kernel_matches_its_scalar_reference_at_this_width(int width, int n)
    {
        var rng = new Random((width * 10000) + n);
        var bytes = new byte[n * 4];
        rng.NextBytes(bytes);
        var floats = Enumerable.Range(0, n * 8).Select(_ => (float)((rng.NextDouble() * 2.2) - 1.1)).ToArray();
        var previous = SimdWidth.MaxBits;
        SimdWidth.MaxBits = width;
        try
        {
            Same(n, (s, d) => SampleConverter.S16ToFloat(s, d, 0.5f), (s, d) => SampleConverter.S16ToFloatScalar(s, d, 0.5f), bytes.AsSpan(0, n * 2).ToArray());
            Same(n, (s, d) => SampleConverter.S24ToFloat(s, d, 0.5f), (s, d) => SampleConverter.S24ToFloatScalar(s, d, 0.5f), bytes.AsSpan(0, n * 3).ToArray());
            Same(n, (s, d) => SampleConverter.S32ToFloat(s, d, 0.5f), (s, d) => SampleConverter.S32ToFloatScalar(s, d, 0.5f), bytes);

            var a = new byte[n * 2];
            var b = new byte[n * 2];
            SampleConverter.FloatToS16(floats.AsSpan(0, n), a);
            SampleConverter.FloatToS16Scalar(floats.AsSpan(0, n), b);
            Assert.Equal(MemoryMarshal.Cast<byte, short>(b).ToArray(), MemoryMarshal.Cast<byte, short>(a).ToArray());

            foreach (var channels in new[] { 2, 4, 8 })
            {
                var weights = Enumerable.Range(0, channels).Select(c => 0.1f * (c + 1)).ToArray();
                var m1 = new float[n];
                var m2 = new float[n];
                ChannelMixer.Mix(floats.AsSpan(0, n * channels), channels, weights, m1);
                ChannelMixer.MixScalar(floats.AsSpan(0, n * channels), channels, weights, m2);
                for (var i = 0; i < n; i++)
                {
                    Assert.Equal(m2[i], m1[i], 1e-5f);
                }
            }

            var simd = new PolyphaseResampler(48000, 16000);
            var scalar = new PolyphaseResampler(48000, 16000) { UseScalarReference = true };
            var o1 = new float[simd.MaxOutput(n * 8)];
            var o2 = new float[scalar.MaxOutput(n * 8)];
            var c1 = simd.Process(floats, o1);
            Assert.Equal(scalar.Process(floats, o2), c1);
            for (var i = 0; i < c1; i++)
            {
                Assert.Equal(o2[i], o1[i], 1e-5f);
            }
        }
        finally
        {
            SimdWidth.MaxBits = previous;
        }
    }

    private static void Same(int n, Action<byte[], float[]> simd, Action<byte[], float[]> scalar, byte[] source)
    {
        var a = new float[n];
        var b = new float[n];
        simd(source, a);
        scalar(source, b);
        Assert.Equal(b, a);
    }
}
