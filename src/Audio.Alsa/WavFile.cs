using System.Buffers.Binary;
using System.Text;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>Mono or multichannel PCM read from or written to a RIFF/WAVE file, as float samples.</summary>
/// <param name="Samples">Interleaved samples in [-1, 1].</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="Channels">Interleaved channel count.</param>
public sealed record WavAudio(float[] Samples, int SampleRate, int Channels)
{
    /// <summary>Number of frames (samples per channel).</summary>
    public int Frames => Samples.Length / Channels;

    /// <summary>Duration of the audio.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)Frames / SampleRate);
}

/// <summary>The error for a file that is not a WAV this code can read; the message names file and problem.</summary>
public sealed class InvalidWavException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidWavException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public InvalidWavException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public InvalidWavException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>Reads and writes RIFF/WAVE: PCM 8/16/24/32-bit integer and 32-bit IEEE float.</summary>
public static class WavFile
{
    /// <summary>The lowest sample rate accepted in a WAV header (telephone-band audio is 8000 Hz).</summary>
    public const int MinSampleRate = 4000;

    /// <summary>The highest sample rate accepted in a WAV header.</summary>
    public const int MaxSampleRate = 384000;

    /// <summary>The most interleaved channels accepted (microphone arrays have up to 16).</summary>
    public const int MaxChannels = 32;

    /// <summary>Reads a WAV file. Throws <see cref="InvalidWavException"/> naming the file on bad input.</summary>
    public static WavAudio Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"WAV file '{path}' does not exist.", path);
        }

        try
        {
            return Parse(File.ReadAllBytes(path));
        }
        catch (InvalidWavException ex)
        {
            throw new InvalidWavException($"'{path}' is not a usable WAV file: {ex.Message}", ex);
        }
    }

    /// <summary>Parses WAV bytes.</summary>
    public static WavAudio Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12 || !data[..4].SequenceEqual("RIFF"u8) || !data.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new InvalidWavException("missing RIFF/WAVE header");
        }

        int format = 0, channels = 0, rate = 0, bits = 0;
        long pos = 12; // long: a chunk size near int.MaxValue must not wrap the position around
        while (pos + 8 <= data.Length)
        {
            var id = data.Slice((int)pos, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(data.Slice((int)pos + 4, 4));
            if (size < 0)
            {
                throw new InvalidWavException("negative chunk size");
            }

            var body = (int)pos + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + 16 > data.Length)
                {
                    throw new InvalidWavException("truncated fmt chunk");
                }

                format = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(body, 2));
                channels = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(body + 2, 2));
                rate = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(body + 4, 4));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(body + 14, 2));
                if (format == 0xFFFE && size >= 26 && body + 26 <= data.Length)
                {
                    format = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(body + 24, 2)); // WAVE_FORMAT_EXTENSIBLE sub-format
                }

                // Validated here, before anything downstream (resampling, playback) sizes work or buffers from them.
                if (rate is < MinSampleRate or > MaxSampleRate)
                {
                    throw new InvalidWavException($"the fmt chunk's sample rate is {rate} Hz; supported are {MinSampleRate}-{MaxSampleRate} Hz");
                }

                if (channels is < 1 or > MaxChannels)
                {
                    throw new InvalidWavException($"the fmt chunk's channel count is {channels}; supported are 1-{MaxChannels}");
                }
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (channels == 0)
                {
                    throw new InvalidWavException("data chunk before fmt chunk");
                }

                var length = Math.Min(size, data.Length - body); // tolerate a truncated final chunk
                return new WavAudio(Decode(data.Slice(body, length), format, bits), rate, channels);
            }

            pos = body + (long)size + (size & 1);
        }

        throw new InvalidWavException(channels == 0 ? "no fmt chunk" : "no data chunk");
    }

    private static float[] Decode(ReadOnlySpan<byte> pcm, int format, int bits)
    {
        switch (format, bits)
        {
            case (1, 8):
            {
                var s = new float[pcm.Length];
                for (var i = 0; i < s.Length; i++)
                {
                    s[i] = (pcm[i] - 128) / 128f;
                }

                return s;
            }

            case (1, 16):
            {
                var s = new float[pcm.Length / 2];
                for (var i = 0; i < s.Length; i++)
                {
                    s[i] = BinaryPrimitives.ReadInt16LittleEndian(pcm.Slice(i * 2, 2)) / 32768f;
                }

                return s;
            }

            case (1, 24):
            {
                var s = new float[pcm.Length / 3];
                for (var i = 0; i < s.Length; i++)
                {
                    var v = pcm[i * 3] | (pcm[(i * 3) + 1] << 8) | ((sbyte)pcm[(i * 3) + 2] << 16);
                    s[i] = v / 8388608f;
                }

                return s;
            }

            case (1, 32):
            {
                var s = new float[pcm.Length / 4];
                for (var i = 0; i < s.Length; i++)
                {
                    s[i] = BinaryPrimitives.ReadInt32LittleEndian(pcm.Slice(i * 4, 4)) / 2147483648f;
                }

                return s;
            }

            case (3, 32):
            {
                var s = new float[pcm.Length / 4];
                for (var i = 0; i < s.Length; i++)
                {
                    s[i] = BinaryPrimitives.ReadSingleLittleEndian(pcm.Slice(i * 4, 4));
                }

                return s;
            }

            default:
                throw new InvalidWavException($"unsupported encoding (format tag {format}, {bits} bits); use PCM 8/16/24/32-bit or 32-bit float");
        }
    }

    /// <summary>Writes 16-bit PCM, clamping samples to [-1, 1].</summary>
    public static void WritePcm16(string path, ReadOnlySpan<float> samples, int sampleRate, int channels = 1)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.Create(path);
        WritePcm16(stream, samples, sampleRate, channels);
    }

    /// <summary>Writes 16-bit PCM to a stream, clamping samples to [-1, 1].</summary>
    public static void WritePcm16(Stream stream, ReadOnlySpan<float> samples, int sampleRate, int channels = 1)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var dataBytes = samples.Length * 2;
        Span<byte> header = stackalloc byte[44];
        Encoding.ASCII.GetBytes("RIFF", header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], 36 + dataBytes);
        Encoding.ASCII.GetBytes("WAVEfmt ", header[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(header[22..], (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], sampleRate * channels * 2);
        BinaryPrimitives.WriteInt16LittleEndian(header[32..], (short)(channels * 2));
        BinaryPrimitives.WriteInt16LittleEndian(header[34..], 16);
        Encoding.ASCII.GetBytes("data", header[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[40..], dataBytes);
        stream.Write(header);

        var buffer = new byte[8192];
        var filled = 0;
        foreach (var sample in samples)
        {
            var v = (short)Math.Clamp(MathF.Round(sample * 32767f), short.MinValue, short.MaxValue);
            BinaryPrimitives.WriteInt16LittleEndian(buffer.AsSpan(filled), v);
            filled += 2;
            if (filled == buffer.Length)
            {
                stream.Write(buffer, 0, filled);
                filled = 0;
            }
        }

        stream.Write(buffer, 0, filled);
    }
}
