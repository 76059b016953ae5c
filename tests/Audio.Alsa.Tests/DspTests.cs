using System.Runtime.InteropServices;
using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Audio.Alsa.Tests;

[Collection("audio kernels")]
public sealed class DspTests
{
    // Lengths shorter than one vector, odd lengths, and long enough for the vector loops.
    public static TheoryData<int> Lengths => new() { 0, 1, 3, 7, 8, 15, 17, 31, 33, 1001 };

    private static byte[] RandomBytes(int count, int seed)
    {
        var b = new byte[count];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void S16_simd_matches_scalar(int n)
    {
        var src = RandomBytes(n * 2, n);
        var a = new float[n];
        var b = new float[n];
        SampleConverter.S16ToFloat(src, a, 0.7f);
        SampleConverter.S16ToFloatScalar(src, b, 0.7f);
        Assert.Equal(b, a);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void S24_simd_matches_scalar(int n)
    {
        var src = RandomBytes(n * 3, n + 1);
        var a = new float[n];
        var b = new float[n];
        SampleConverter.S24ToFloat(src, a, 1.3f);
        SampleConverter.S24ToFloatScalar(src, b, 1.3f);
        Assert.Equal(b, a);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void S32_simd_matches_scalar(int n)
    {
        var src = RandomBytes(n * 4, n + 2);
        var a = new float[n];
        var b = new float[n];
        SampleConverter.S32ToFloat(src, a, 2f);
        SampleConverter.S32ToFloatScalar(src, b, 2f);
        Assert.Equal(b, a);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void FloatToS16_simd_matches_scalar(int n)
    {
        var rng = new Random(n);
        var src = new float[n];
        for (var i = 0; i < n; i++)
        {
            src[i] = (float)((rng.NextDouble() * 2.4) - 1.2); // includes values to clamp
        }

        var a = new byte[n * 2];
        var b = new byte[n * 2];
        SampleConverter.FloatToS16(src, a);
        SampleConverter.FloatToS16Scalar(src, b);
        Assert.Equal(MemoryMarshal.Cast<byte, short>(b).ToArray(), MemoryMarshal.Cast<byte, short>(a).ToArray());
    }

    [Fact]
    public void Conversions_hit_full_scale_exactly()
    {
        var f = new float[3];
        SampleConverter.S16ToFloat([0x00, 0x80, 0x00, 0x40, 0xFF, 0x7F], f);
        Assert.Equal([-1f, 0.5f, 32767f / 32768f], f);
        SampleConverter.S24ToFloat([0x00, 0x00, 0x80, 0x00, 0x00, 0x40, 0xFF, 0xFF, 0xFF], f);
        Assert.Equal([-1f, 0.5f, -1f / 8388608f], f);
        SampleConverter.S32ToFloat([0, 0, 0, 0x80, 0, 0, 0, 0x40, 0, 0, 0, 0], f);
        Assert.Equal([-1f, 0.5f, 0f], f);
    }

    [Theory]
    [InlineData(1, 17)]
    [InlineData(2, 0)]
    [InlineData(2, 3)]
    [InlineData(2, 1001)]
    [InlineData(3, 33)]
    [InlineData(4, 1)]
    [InlineData(4, 7)]
    [InlineData(4, 1001)]
    [InlineData(6, 99)]
    [InlineData(8, 5)]
    [InlineData(8, 1003)]
    public void Mix_simd_matches_scalar(int channels, int frames)
    {
        var rng = new Random((channels * 1000) + frames);
        var src = new float[frames * channels];
        for (var i = 0; i < src.Length; i++)
        {
            src[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        var weights = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            weights[c] = (float)rng.NextDouble();
        }

        var a = new float[frames];
        var b = new float[frames];
        Assert.Equal(frames, ChannelMixer.Mix(src, channels, weights, a));
        ChannelMixer.MixScalar(src, channels, weights, b);
        for (var i = 0; i < frames; i++)
        {
            Assert.Equal(b[i], a[i], 1e-5f);
        }
    }

    [Fact]
    public void Selection_weights_pick_the_right_channels()
    {
        var interleaved = Signals.Interleave([1f, 1f], [2f, 2f], [3f, 3f], [4f, 4f]);
        var mono = new float[2];
        ChannelMixer.Mix(interleaved, 4, ChannelSelection.Channel(2).Weights(4), mono);
        Assert.Equal([3f, 3f], mono);
        ChannelMixer.Mix(interleaved, 4, ChannelSelection.Downmix.Weights(4), mono);
        Assert.Equal([2.5f, 2.5f], mono);
        ChannelMixer.Mix(interleaved, 4, ChannelSelection.Parse("0, 3").Weights(4), mono);
        Assert.Equal([2.5f, 2.5f], mono);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Levels_simd_match_scalar(int n)
    {
        var rng = new Random(n);
        var x = new float[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        Assert.Equal(AudioLevels.RmsScalar(x), AudioLevels.Rms(x), 1e-5f);
        Assert.Equal(AudioLevels.PeakScalar(x), AudioLevels.Peak(x));
    }

    [Fact]
    public void Rms_of_a_full_scale_sine_is_minus_3_dB()
    {
        var tone = Signals.Tone(1000, 16000, 16000, 1f);
        Assert.Equal(-3.01, AudioLevels.ToDbfs(AudioLevels.Rms(tone)), 0.05);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(320)]
    public void Dc_blocker_simd_matches_scalar_and_removes_offset(int block)
    {
        var simd = new DcBlocker(16000);
        var scalar = new DcBlocker(16000);
        var tone = Signals.Tone(300, 16000, 32000, 0.3f);
        var a = tone.Select(v => v + 0.2f).ToArray();
        var b = (float[])a.Clone();
        for (var i = 0; i + block <= a.Length; i += block)
        {
            simd.Process(a.AsSpan(i, block));
            scalar.ProcessScalar(b.AsSpan(i, block));
        }

        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(b[i], a[i], 1e-4f);
        }

        var tail = a.AsSpan(a.Length - 16000, 16000 / block * block);
        Assert.InRange(tail.ToArray().Average(), -0.01, 0.01);
    }
}
