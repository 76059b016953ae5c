using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Testing;

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

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(3999)]
    [InlineData(384001)]
    [InlineData(int.MaxValue)]
    public void A_header_rate_outside_the_supported_range_is_rejected_before_decoding(int rate)
    {
        using var ms = new MemoryStream();
        WavFile.WritePcm16(ms, new float[1000], 16000);
        var bytes = ms.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), rate);
        var ex = Assert.Throws<InvalidWavException>(() => WavFile.Parse(bytes));
        Assert.Contains($"sample rate is {rate} Hz", ex.Message, StringComparison.Ordinal);
        Assert.Contains("4000-384000", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    [InlineData(65535)]
    public void A_header_channel_count_outside_the_supported_range_is_rejected(int channels)
    {
        using var ms = new MemoryStream();
        WavFile.WritePcm16(ms, new float[1000], 16000);
        var bytes = ms.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(22), (ushort)channels);
        var ex = Assert.Throws<InvalidWavException>(() => WavFile.Parse(bytes));
        Assert.Contains($"channel count is {channels}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chunk_size_near_the_int_limit_does_not_wrap_the_parser_around()
    {
        using var ms = new MemoryStream();
        WavFile.WritePcm16(ms, new float[100], 16000);
        var bytes = ms.ToArray();
        // An unknown chunk claiming int.MaxValue bytes before "fmt ": the parser must step past the end, not wrap.
        var hostile = new byte[bytes.Length + 8];
        bytes.AsSpan(0, 12).CopyTo(hostile);
        "junk"u8.CopyTo(hostile.AsSpan(12));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(hostile.AsSpan(16), int.MaxValue);
        bytes.AsSpan(12).CopyTo(hostile.AsSpan(20));
        var ex = Assert.Throws<InvalidWavException>(() => WavFile.Parse(hostile));
        Assert.Contains("no fmt chunk", ex.Message, StringComparison.Ordinal);
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

public sealed class WavFileCaptureTests
{
    [Fact]
    public async Task A_stereo_44k_wav_becomes_16k_mono_windows()
    {
        var dir = Testing.TestPaths.NewTempDirectory("wavcap");
        try
        {
            var path = Path.Combine(dir, "in.wav");
            WavFile.WritePcm16(path, Signals.Interleave(Signals.Tone(800, 44100, 44100, 0.4f), Signals.Tone(800, 44100, 44100, 0.4f)), 44100, 2);
            await using var capture = new WavFileCapture(path);
            var window = new float[512];
            var all = new List<float>();
            while (await capture.ReadAsync(window, CancellationToken.None))
            {
                all.AddRange(window);
            }

            Assert.InRange(all.Count, 16000, 16000 + 1024);
            Assert.Equal(800, Signals.Frequency(all.ToArray().AsSpan(500, 15000), 16000), 1);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [RequiresFileFact("samples/jfk.wav", "real speech clip")]
    public async Task The_jfk_clip_reads_as_11_seconds_of_16k_audio()
    {
        await using var capture = new WavFileCapture(Testing.TestPaths.Model("samples/jfk.wav"));
        Assert.Equal(11.0, capture.Audio.Length / 16000.0, 0.1);
        Assert.True(Dsp.AudioLevels.Rms(capture.Audio.Span) > 0.01);
    }
}
