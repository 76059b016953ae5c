using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using VoiceAppliance.Models;

namespace VoiceAppliance.Cloud;

/// <summary>
/// <c>POST {base}/audio/speech</c> (<c>model</c>, <c>voice</c>, <c>input</c>, <c>response_format</c> pcm or wav,
/// <c>speed</c>): the audio is yielded in chunks of about 100 ms as the body streams in, at the answer's own rate
/// (the playback resamples to the device rate). <c>pcm</c> is raw 16-bit little-endian mono at
/// <see cref="CloudProviderOptions.PcmSampleRate"/>; <c>wav</c> is read from its header (16-bit PCM, mono or
/// stereo, any rate; streamed WAVs with an unknown length are fine).
/// </summary>
public sealed class CloudTextToSpeech(CloudEndpoint endpoint) : ITextToSpeech
{
    private const int HeaderLimit = 4096;

    /// <inheritdoc />
    public string Name => endpoint.Name;

    /// <inheritdoc />
    public int SampleRate => endpoint.Options.ResponseFormat == "pcm" ? endpoint.Options.PcmSampleRate : 24000;

    /// <summary>The provider.</summary>
    public CloudEndpoint Endpoint => endpoint;

    /// <inheritdoc />
    public async IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var o = endpoint.Options;
        var request = new SpeechRequest { Model = o.Model, Input = text, Voice = o.Voice, ResponseFormat = o.ResponseFormat, Speed = o.Speed };
        var json = JsonSerializer.SerializeToUtf8Bytes(request, CloudJsonContext.Default.SpeechRequest);
        using var response = await endpoint.PostAsync("audio/speech", () => Json(json), cancellationToken).ConfigureAwait(false);
        if (response.MediaType is { } type && (type.Contains("json", StringComparison.OrdinalIgnoreCase) || type.StartsWith("text/", StringComparison.OrdinalIgnoreCase)))
        {
            throw new CloudProviderException("malformed_response", $"{endpoint.Name}: the answer is {type}, not audio");
        }

        var body = await response.OpenBodyAsync().ConfigureAwait(false);
        var buffer = new byte[16 * 1024];
        var filled = 0;
        var rate = o.PcmSampleRate;
        var channels = 1;
        if (o.ResponseFormat == "wav")
        {
            (rate, channels, filled) = await ReadWavHeaderAsync(body, buffer, endpoint.Name, cancellationToken).ConfigureAwait(false);
        }

        var frameBytes = 2 * channels;
        var chunkFrames = Math.Max(1, rate / 10);
        var pending = new List<float>(chunkFrames);
        var total = 0L;
        while (true)
        {
            var n = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            filled += n;
            var whole = filled / frameBytes * frameBytes;
            for (var i = 0; i < whole; i += frameBytes)
            {
                var sum = 0f;
                for (var c = 0; c < channels; c++)
                {
                    sum += BinaryPrimitives.ReadInt16LittleEndian(buffer.AsSpan(i + (2 * c))) / 32768f;
                }

                pending.Add(sum / channels);
                if (pending.Count == chunkFrames)
                {
                    total += pending.Count;
                    yield return new AudioChunk(pending.ToArray(), rate, 0, text);
                    pending.Clear();
                }
            }

            buffer.AsSpan(whole, filled - whole).CopyTo(buffer);
            filled -= whole;
        }

        if (pending.Count > 0)
        {
            total += pending.Count;
            yield return new AudioChunk(pending.ToArray(), rate, 0, text);
        }

        if (total == 0)
        {
            throw new CloudProviderException("malformed_response", $"{endpoint.Name}: the answer has no audio");
        }
    }

    /// <summary>Reads a WAV header up to the <c>data</c> chunk; returns the rate, the channels and the bytes of audio already in <paramref name="buffer"/>.</summary>
    private static async Task<(int Rate, int Channels, int Filled)> ReadWavHeaderAsync(Stream body, byte[] buffer, string name, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (true)
        {
            var n = await body.ReadAsync(buffer.AsMemory(filled, HeaderLimit - filled), cancellationToken).ConfigureAwait(false);
            filled += n;
            if (TryParse(buffer.AsSpan(0, filled), out var rate, out var channels, out var dataStart, out var problem))
            {
                buffer.AsSpan(dataStart, filled - dataStart).CopyTo(buffer);
                return (rate, channels, filled - dataStart);
            }

            if (problem is not null)
            {
                throw new CloudProviderException("malformed_response", $"{name}: the WAV answer {problem}");
            }

            if (n == 0 || filled >= HeaderLimit)
            {
                throw new CloudProviderException("malformed_response", $"{name}: the WAV answer has no data chunk in its first {filled} bytes");
            }
        }
    }

    private static bool TryParse(ReadOnlySpan<byte> h, out int rate, out int channels, out int dataStart, out string? problem)
    {
        rate = channels = dataStart = 0;
        problem = null;
        if (h.Length < 12)
        {
            return false;
        }

        if (!h[..4].SequenceEqual("RIFF"u8) || !h[8..12].SequenceEqual("WAVE"u8))
        {
            problem = "is not RIFF/WAVE";
            return false;
        }

        var pos = 12;
        var haveFormat = false;
        while (pos + 8 <= h.Length)
        {
            var id = h.Slice(pos, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(h[(pos + 4)..]);
            if (id.SequenceEqual("data"u8))
            {
                if (!haveFormat)
                {
                    problem = "has audio before its format";
                    return false;
                }

                dataStart = pos + 8;
                return true;
            }

            if (size > HeaderLimit)
            {
                problem = "has a header chunk too large to be one";
                return false;
            }

            if (pos + 8 + (int)size > h.Length)
            {
                return false; // need more
            }

            if (id.SequenceEqual("fmt "u8))
            {
                var format = BinaryPrimitives.ReadUInt16LittleEndian(h[(pos + 8)..]);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(h[(pos + 10)..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(h[(pos + 12)..]);
                var bits = BinaryPrimitives.ReadUInt16LittleEndian(h[(pos + 22)..]);
                if (format is not (1 or 0xFFFE) || bits != 16 || channels is < 1 or > 2 || rate is < 4000 or > 192000)
                {
                    problem = $"is format {format}, {bits}-bit, {channels} channel(s) at {rate} Hz; only 16-bit PCM mono or stereo at 4-192 kHz plays";
                    return false;
                }

                haveFormat = true;
            }

            pos += 8 + (int)size + ((int)size & 1);
        }

        return false;
    }

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }
}
