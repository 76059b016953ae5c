using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Audio.Alsa.Tests;

public sealed class WavFileTests
{
    [Theory]
    [InlineData(16000, 1, 1)]
    [InlineData(22050, 2, 7)]
    [InlineData(48000, 4, 1001)]
    public void Pcm16_round_trips_within_one_lsb(int rate, int channels, int frames)
    {
        var rng = new Random(frames);
        var samples = new float[frames * channels];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)((rng.NextDouble() * 2) - 1) * 0.9f;
        }

        using var ms = new MemoryStream();
        WavFile.WritePcm16(ms, samples, rate, channels);
        var back = WavFile.Parse(ms.ToArray());

        Assert.Equal(rate, back.SampleRate);
        Assert.Equal(channels, back.Channels);
        Assert.Equal(frames, back.Frames);
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.InRange(back.Samples[i] - samples[i], -1.5f / 32768, 1.5f / 32768);
        }
    }

    [Fact]
    public void Not_a_wav_is_rejected_with_the_file_name()
    {
        var path = Path.Combine(Path.GetTempPath(), $"not-a-wav-{Guid.NewGuid():N}.wav");
        File.WriteAllText(path, "hello, this is text");
        try
        {
            var ex = Assert.Throws<InvalidWavException>(() => WavFile.Read(path));
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.Contains("RIFF", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Unsupported_encoding_names_what_is_supported()
    {
        using var ms = new MemoryStream();
        WavFile.WritePcm16(ms, new float[4], 16000);
        var bytes = ms.ToArray();
        bytes[20] = 2; // format tag 2: MS ADPCM
        var ex = Assert.Throws<InvalidWavException>(() => WavFile.Parse(bytes));
        Assert.Contains("format tag 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Libasound_reports_its_version() =>
        Assert.Matches(@"^1\.\d+\.\d+", AlsaLibrary.Version);
}
