using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Audio.Alsa.Tests;

[Collection("audio kernels")]
public sealed class ResamplerTests
{
    private static float[] Run(PolyphaseResampler r, float[] input, int chunk)
    {
        var output = new List<float>();
        var buffer = new float[r.MaxOutput(chunk)];
        for (var i = 0; i < input.Length; i += chunk)
        {
            var piece = input.AsSpan(i, Math.Min(chunk, input.Length - i));
            var n = r.Process(piece, buffer);
            output.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return output.ToArray();
    }

    [Theory]
    [InlineData(48000, 16000)]
    [InlineData(44100, 16000)]
    [InlineData(22050, 16000)]
    [InlineData(16000, 48000)]
    [InlineData(16000, 44100)]
    [InlineData(16000, 22050)]
    [InlineData(22050, 48000)]
    public void Tone_keeps_its_frequency_amplitude_and_length(int from, int to)
    {
        var r = new PolyphaseResampler(from, to);
        var input = Signals.Tone(1000, from, from, 0.5f); // 1 s
        var output = Run(r, input, 997);
        Assert.InRange(output.Length, to - 2, to + 2);
        var steady = output.AsSpan(r.DelayOutputSamples + 100, to / 2);
        Assert.Equal(1000, Signals.Frequency(steady, to), 0.5);
        Assert.Equal(0.5, Signals.Amplitude(steady, 1000, to), 0.005); // within 0.1 dB
    }

    [Theory]
    [InlineData(48000, 16000, 12000)]
    [InlineData(48000, 16000, 8700)]
    [InlineData(44100, 16000, 9000)]
    [InlineData(44100, 16000, 20000)]
    [InlineData(22050, 16000, 10000)]
    public void Tones_above_the_output_nyquist_alias_below_minus_70_dB(int from, int to, int tone)
    {
        var r = new PolyphaseResampler(from, to);
        var output = Run(r, Signals.Tone(tone, from, from, 1f), 1024);
        var steady = output.AsSpan(r.DelayOutputSamples + 100, to / 2);
        Assert.True(Signals.Db(Signals.Rms(steady)) < -70, $"alias level {Signals.Db(Signals.Rms(steady)):F1} dB");
    }

    [Theory]
    [InlineData(16000, 48000)]
    [InlineData(22050, 48000)]
    public void Upsampling_images_stay_below_minus_70_dB(int from, int to)
    {
        var r = new PolyphaseResampler(from, to);
        var output = Run(r, Signals.Tone(3000, from, from, 1f), 1024);
        var steady = output.AsSpan(r.DelayOutputSamples + 100, to / 2);
        var image = Signals.Amplitude(steady, from - 3000, to);
        Assert.True(Signals.Db(image) < -70, $"image level {Signals.Db(image):F1} dB");
    }

    [Fact]
    public void Chunking_does_not_change_the_output()
    {
        var input = Signals.Tone(440, 44100, 20000, 0.7f);
        var whole = Run(new PolyphaseResampler(44100, 16000), input, input.Length);
        var rng = new Random(3);
        var r = new PolyphaseResampler(44100, 16000);
        var pieces = new List<float>();
        var buffer = new float[r.MaxOutput(5000)];
        for (var i = 0; i < input.Length;)
        {
            var n = Math.Min(rng.Next(1, 5000), input.Length - i);
            var produced = r.Process(input.AsSpan(i, n), buffer);
            pieces.AddRange(buffer.AsSpan(0, produced).ToArray());
            i += n;
        }

        Assert.Equal(whole.Length, pieces.Count);
        for (var i = 0; i < whole.Length; i++)
        {
            Assert.Equal(whole[i], pieces[i], 1e-6f);
        }
    }

    [Theory]
    [InlineData(48000, 16000, 1)]
    [InlineData(48000, 16000, 3)]
    [InlineData(44100, 16000, 17)]
    [InlineData(16000, 22050, 5)]
    public void Simd_matches_scalar_reference(int from, int to, int chunk)
    {
        var input = Signals.Tone(700, from, 3001, 0.8f);
        var simd = Run(new PolyphaseResampler(from, to), input, chunk);
        var scalar = Run(new PolyphaseResampler(from, to) { UseScalarReference = true }, input, chunk);
        Assert.Equal(scalar.Length, simd.Length);
        for (var i = 0; i < simd.Length; i++)
        {
            Assert.Equal(scalar[i], simd[i], 1e-5f);
        }
    }

    [Fact]
    public void Too_small_output_is_refused_with_sizes()
    {
        var r = new PolyphaseResampler(16000, 48000);
        var ex = Assert.Throws<ArgumentException>(() => r.Process(new float[100], new float[100]));
        Assert.Contains("302", ex.Message, StringComparison.Ordinal);
    }
}
