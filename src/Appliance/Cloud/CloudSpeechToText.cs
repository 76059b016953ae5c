using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using VoiceAppliance.Models;

namespace VoiceAppliance.Cloud;

/// <summary>
/// <c>POST {base}/audio/transcriptions</c>: the utterance as a 16-bit mono WAV in <c>multipart/form-data</c> with
/// <c>model</c>, <c>language</c>, <c>prompt</c> and <c>response_format=json</c>; the answer's <c>text</c> is one
/// segment. Failures are <see cref="CloudProviderException"/>s (the chain falls back on them).
/// </summary>
public sealed class CloudSpeechToText(CloudEndpoint endpoint) : ISpeechToText
{
    private const int Rate = 16000;

    /// <inheritdoc />
    public string Name => endpoint.Name;

    /// <summary>The provider.</summary>
    public CloudEndpoint Endpoint => endpoint;

    /// <inheritdoc />
    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var wav = ToWav(audio.Span);
        var options = endpoint.Options;
        using var response = await endpoint.PostAsync("audio/transcriptions", () => Form(wav, options), cancellationToken).ConfigureAwait(false);
        var body = await response.OpenBodyAsync().ConfigureAwait(false);
        TranscriptionResponse? result;
        try
        {
            result = await JsonSerializer.DeserializeAsync(body, CloudJsonContext.Default.TranscriptionResponse, response.Token).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new CloudProviderException("malformed_response", $"{endpoint.Name}: the transcription is not the documented JSON ({ex.Message})", ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CloudProviderException("timeout", $"{endpoint.Name}: the transcription did not finish within {options.TotalTimeout.TotalMilliseconds:0} ms");
        }

        if (result?.Text is not { } text)
        {
            throw new CloudProviderException("malformed_response", $"{endpoint.Name}: the answer has no \"text\"");
        }

        yield return new TranscriptSegment(text.Trim(), TimeSpan.Zero, TimeSpan.FromSeconds((double)audio.Length / Rate), float.NaN);
    }

    /// <summary>16 kHz mono float samples as a 16-bit PCM WAV file.</summary>
    public static byte[] ToWav(ReadOnlySpan<float> samples)
    {
        var data = samples.Length * 2;
        var bytes = new byte[44 + data];
        var s = bytes.AsSpan();
        "RIFF"u8.CopyTo(s);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], 36 + data);
        "WAVEfmt "u8.CopyTo(s[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(s[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(s[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(s[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(s[24..], Rate);
        BinaryPrimitives.WriteInt32LittleEndian(s[28..], Rate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(s[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(s[34..], 16);
        "data"u8.CopyTo(s[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(s[40..], data);
        for (var i = 0; i < samples.Length; i++)
        {
            var v = (short)Math.Round(Math.Clamp(samples[i], -1f, 1f) * short.MaxValue);
            BinaryPrimitives.WriteInt16LittleEndian(s[(44 + (2 * i))..], v);
        }

        return bytes;
    }

    private static MultipartFormDataContent Form(byte[] wav, CloudProviderOptions options)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(wav);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "file", "utterance.wav");
        form.Add(new StringContent(options.Model), "model");
        form.Add(new StringContent("json"), "response_format");
        if (options.Language is { } language)
        {
            form.Add(new StringContent(language), "language");
        }

        if (options.Prompt is { } prompt)
        {
            form.Add(new StringContent(prompt), "prompt");
        }

        form.Add(new StringContent(0.ToString(CultureInfo.InvariantCulture)), "temperature");
        return form;
    }
}
