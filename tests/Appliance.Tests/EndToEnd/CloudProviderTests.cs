using System.Buffers.Binary;
using System.Text.Json;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Cloud;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Tests.Cloud;
using VoiceAppliance.Workflows;
using static VoiceAppliance.Tests.Cloud.CloudTestServer;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>
/// The cloud STT and TTS providers against a local server speaking the documented protocols (multipart WAV upload,
/// chunked audio answers), with the real local engines (pocketsphinx on the intents' grammar, Piper) as fallback.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CloudProviderTests(EndToEndFixture engines)
{
    private const string Transcriptions = "/v1/audio/transcriptions";
    private const string Speech = "/v1/audio/speech";
    private const string Command = "Turn off the bedroom light.";

    [Fact]
    public async Task Cloud_stt_uploads_the_utterance_as_a_multipart_wav_and_takes_the_text()
    {
        await using var server = CloudTestServer.Start();
        server.Always(Transcriptions, (c, _) => Json(c, """{"text":"  Turn off the bedroom light.  "}"""));
        var log = new LogCapture();
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Stt, server.BaseUrl, o => o with { Language = "en", Prompt = "bedroom, kitchen" }), log);
        var stt = new FallbackSpeechToText(new CloudSpeechToText(endpoint), engines.Grammar, log.CreateLogger("stt"));
        var audio = engines.Speech(Command);
        var providers = new ProviderLog();

        var text = await Transcribe(stt, audio, providers);

        Assert.Equal("Turn off the bedroom light.", text);
        Assert.Equal("stt=cloud-stt", providers.Summary);
        var request = Assert.Single(server.Requests);
        Assert.Equal("Bearer " + CloudTestKit.Secret, request.Headers["Authorization"]);
        Assert.StartsWith("multipart/form-data; boundary=", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("whisper-1", request.FormText("model"));
        Assert.Equal("json", request.FormText("response_format"));
        Assert.Equal("en", request.FormText("language"));
        Assert.Equal("bedroom, kitchen", request.FormText("prompt"));
        var file = request.Form["file"];
        Assert.Equal("utterance.wav", file.FileName);
        Assert.Equal("audio/wav", file.ContentType);
        var wav = WavFile.Parse(file.Data);
        Assert.Equal(16000, wav.SampleRate);
        Assert.Equal(1, wav.Channels);
        Assert.Equal(audio.Length, wav.Samples.Length);
        var peak = audio.Select(Math.Abs).Max();
        var at = Array.IndexOf(audio, audio.First(s => Math.Abs(s) == peak));
        Assert.Equal(audio[at], wav.Samples[at], 3);
        log.AssertNoSecret();
    }

    public static TheoryData<string, string> SttFailures { get; } = new()
    {
        { "http_500", "http_500" },
        { "http_401", "http_401" },
        { "malformed_json", "malformed_response" },
        { "no_text", "malformed_response" },
        { "no_answer", "timeout" },
        { "huge", "too_large" },
        { "reset", "stream_cut" },
    };

    [Theory]
    [MemberData(nameof(SttFailures))]
    public async Task When_cloud_stt_fails_the_grammar_transcribes_the_same_audio_and_the_fallback_is_reported(string scenario, string reason)
    {
        await using var server = CloudTestServer.Start();
        Func<System.Net.HttpListenerContext, RecordedRequest, Task> script = scenario switch
        {
            "http_500" => (c, _) => Error(c, 500, "boom"),
            "http_401" => (c, _) => Error(c, 401, "Incorrect API key provided: " + CloudTestKit.Secret[..12] + "****"),
            "malformed_json" => (c, _) => Json(c, """{"text": "turn off the"""),
            "no_text" => (c, _) => Json(c, """{"task":"transcribe"}"""),
            "no_answer" => async (c, _) =>
            {
                await Task.Delay(Timeout.Infinite, server.Stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                c.Response.Abort();
            },
            "huge" => (c, _) => Huge(c, "application/json"),
            _ => (c, _) => AudioBody(c, System.Text.Encoding.UTF8.GetBytes("{\"text\":\"turn off the bedroom light" + new string(' ', 20000) + "\"}"), "application/json", chunkBytes: 1000, cutAfter: 5000),
        };
        server.Always(Transcriptions, script);
        var log = new LogCapture();
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Stt, server.BaseUrl, o => o with { FirstByteTimeout = TimeSpan.FromSeconds(3) }), log);
        var stt = new FallbackSpeechToText(new CloudSpeechToText(endpoint), engines.Grammar, log.CreateLogger("stt"));
        var providers = new ProviderLog();

        var text = await Transcribe(stt, engines.Speech(Command), providers);

        Assert.Equal("turn off the bedroom light", text);
        Assert.Equal($"stt: cloud-stt {reason} -> {engines.Grammar.Name}", providers.FallbackReasons);
        Assert.Equal($"stt={engines.Grammar.Name}", providers.Summary);
        Assert.Contains(log.Lines, l => l.Contains($"({reason})", StringComparison.Ordinal) && l.Contains("transcribing with", StringComparison.Ordinal));
        log.AssertNoSecret();
    }

    [Fact]
    public async Task Cloud_tts_plays_pcm_as_the_body_streams_in()
    {
        await using var server = CloudTestServer.Start();
        var pcm = Pcm24k("The kettle is on.");
        var finished = 0;
        server.Always(Speech, async (c, _) =>
        {
            await AudioBody(c, pcm, "audio/pcm", chunkBytes: 2400, gap: TimeSpan.FromMilliseconds(40));
            Volatile.Write(ref finished, 1);
        });
        var log = new LogCapture();
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Tts, server.BaseUrl, o => o with { Voice = "nova", Speed = 1.25 }), log);
        var tts = new FallbackTextToSpeech(new CloudTextToSpeech(endpoint), engines.Voice, log.CreateLogger("tts"));
        var providers = new ProviderLog();
        var chunks = new List<AudioChunk>();
        var finishedAtFirstChunk = -1;
        await foreach (var chunk in tts.SynthesizeAsync("The kettle is on.", null, providers, CancellationToken.None))
        {
            if (chunks.Count == 0)
            {
                finishedAtFirstChunk = Volatile.Read(ref finished);
            }

            chunks.Add(chunk);
        }

        Assert.Equal(0, finishedAtFirstChunk); // the first audio came while the server was still sending
        Assert.All(chunks, c => Assert.Equal(24000, c.SampleRate));
        Assert.True(chunks.Count > 3);
        Assert.Equal(pcm.Length / 2, chunks.Sum(c => c.Samples.Length));
        Assert.Equal(BinaryPrimitives.ReadInt16LittleEndian(pcm.AsSpan(2000)) / 32768f, chunks[0].Samples.Span[1000], 4);
        Assert.Equal("tts=cloud-tts", providers.Summary);
        using var body = JsonDocument.Parse(Assert.Single(server.Requests).Body);
        Assert.Equal("tts-1", body.RootElement.GetProperty("model").GetString());
        Assert.Equal("nova", body.RootElement.GetProperty("voice").GetString());
        Assert.Equal("The kettle is on.", body.RootElement.GetProperty("input").GetString());
        Assert.Equal("pcm", body.RootElement.GetProperty("response_format").GetString());
        Assert.Equal(1.25, body.RootElement.GetProperty("speed").GetDouble());
    }

    [Fact]
    public async Task Cloud_tts_reads_a_streamed_stereo_wav_at_its_own_rate()
    {
        await using var server = CloudTestServer.Start();
        var mono = Enumerable.Range(0, 48000).Select(i => (float)(0.5 * Math.Sin(i * 2 * Math.PI * 440 / 48000))).ToArray();
        var stereo = mono.SelectMany(s => new[] { s, s }).ToArray();
        using var wav = new MemoryStream();
        WavFile.WritePcm16(wav, stereo, 48000, channels: 2);
        server.Always(Speech, (c, _) => AudioBody(c, wav.ToArray(), "audio/wav", chunkBytes: 1001));
        var log = new LogCapture();
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Tts, server.BaseUrl, o => o with { ResponseFormat = "wav" }), log);
        var cloud = new CloudTextToSpeech(endpoint);

        var chunks = new List<AudioChunk>();
        await foreach (var chunk in cloud.SynthesizeAsync("A tone.", null, CancellationToken.None))
        {
            chunks.Add(chunk);
        }

        Assert.All(chunks, c => Assert.Equal(48000, c.SampleRate));
        var samples = chunks.SelectMany(c => c.Samples.ToArray()).ToArray();
        Assert.Equal(mono.Length, samples.Length);
        Assert.Equal(mono[12], samples[12], 3);
        Assert.Equal(mono[40000], samples[40000], 3);
    }

    public static TheoryData<string, string> TtsFailures { get; } = new()
    {
        { "http_500", "http_500" },
        { "http_429", "http_429" },
        { "json_instead_of_audio", "malformed_response" },
        { "empty", "malformed_response" },
        { "huge", "too_large" },
        { "not_wav", "malformed_response" },
    };

    [Theory]
    [MemberData(nameof(TtsFailures))]
    public async Task When_cloud_tts_fails_before_any_audio_piper_speaks_the_sentence(string scenario, string reason)
    {
        await using var server = CloudTestServer.Start();
        Func<System.Net.HttpListenerContext, RecordedRequest, Task> script = scenario switch
        {
            "http_500" => (c, _) => Error(c, 500, "boom"),
            "http_429" => (c, _) => Error(c, 429, "quota", ("Retry-After", "3600")),
            "json_instead_of_audio" => (c, _) => Json(c, """{"error":{"message":"no such voice"}}"""),
            "empty" => (c, _) => AudioBody(c, [], "audio/pcm"),
            "huge" => (c, _) => Huge(c, "audio/pcm"),
            _ => (c, _) => AudioBody(c, new byte[4000], "audio/wav"),
        };
        server.Always(Speech, script);
        var log = new LogCapture();
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Tts, server.BaseUrl, o => o with { ResponseFormat = scenario == "not_wav" ? "wav" : "pcm" }), log);
        var tts = new FallbackTextToSpeech(new CloudTextToSpeech(endpoint), engines.Voice, log.CreateLogger("tts"));
        var providers = new ProviderLog();

        var chunks = await Synthesize(tts, "The kettle is on.", providers);

        Assert.All(chunks, c => Assert.Equal(engines.Voice.SampleRate, c.SampleRate));
        Assert.Equal(engines.ReplySeconds("The kettle is on."), chunks.Sum(c => c.Samples.Length) / (double)engines.Voice.SampleRate, 2);
        Assert.Equal($"tts: cloud-tts {reason} -> {engines.Voice.Name}", providers.FallbackReasons);
        log.AssertNoSecret();
    }

    [Fact]
    public async Task Cloud_tts_cut_mid_sentence_leaves_that_sentence_and_piper_continues_with_the_next()
    {
        await using var server = CloudTestServer.Start();
        var first = Pcm24k("The first sentence.");
        server.Then(Speech, (c, _) => AudioBody(c, first, "audio/pcm", chunkBytes: 4800, cutAfter: 9600));
        server.Always(Speech, (c, _) => AudioBody(c, Pcm24k("Never asked."), "audio/pcm"));
        var log = new LogCapture();
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Tts, server.BaseUrl), log);
        var tts = new FallbackTextToSpeech(new CloudTextToSpeech(endpoint), engines.Voice, log.CreateLogger("tts"));
        var providers = new ProviderLog();

        var cut = await Synthesize(tts, "The first sentence.", providers);
        var next = await Synthesize(tts, "The second sentence.", providers);

        Assert.All(cut, c => Assert.Equal(24000, c.SampleRate));
        Assert.InRange(cut.Sum(c => c.Samples.Length), 2400, 4800); // what arrived before the reset, nothing repeated
        Assert.All(next, c => Assert.Equal(engines.Voice.SampleRate, c.SampleRate));
        Assert.Equal(1, server.Count(Speech)); // the rest of the reply stayed with Piper
        Assert.Equal($"tts: cloud-tts stream_cut mid-sentence -> {engines.Voice.Name}", providers.FallbackReasons);
    }

    private byte[] Pcm24k(string text)
    {
        float[] audio;
        lock (engines.Voice)
        {
            audio = engines.Voice.Synthesize(text);
        }

        var resampled = AudioResampler.Resample(audio, engines.Voice.SampleRate, 24000);
        var bytes = new byte[resampled.Length * 2];
        for (var i = 0; i < resampled.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), (short)Math.Round(Math.Clamp(resampled[i], -1f, 1f) * short.MaxValue));
        }

        return bytes;
    }

    internal static byte[] Pcm24k(EndToEndFixture engines, string text) => new CloudProviderTests(engines).Pcm24k(text);

    private static async Task<string> Transcribe(FallbackSpeechToText stt, float[] audio, ProviderLog providers)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var parts = new List<string>();
        await foreach (var segment in stt.TranscribeAsync(audio, providers, cts.Token))
        {
            parts.Add(segment.Text);
        }

        return string.Join(' ', parts);
    }

    private static async Task<List<AudioChunk>> Synthesize(FallbackTextToSpeech tts, string text, ProviderLog providers)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var chunks = new List<AudioChunk>();
        await foreach (var chunk in tts.SynthesizeAsync(text, null, providers, cts.Token))
        {
            chunks.Add(chunk);
        }

        return chunks;
    }
}
