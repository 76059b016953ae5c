using System.Text.Json;
using VoiceAppliance.Cloud;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Tests.Cloud;
using VoiceAppliance.Workflows;
using Xunit.Abstractions;
using static VoiceAppliance.Tests.Cloud.CloudTestServer;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>
/// Cloud providers in the real pipeline (ALSA file PCMs, Silero VAD, the grammar STT and Piper as the local engines)
/// against a local OpenAI-compatible server: the cloud path end to end, a dead cloud falling back to the device, and
/// a TTS provider failing in the middle of a reply.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CloudPipelineTests(EndToEndFixture engines, ITestOutputHelper output)
{
    private const string Chat = "/v1/chat/completions";
    private const string Transcriptions = "/v1/audio/transcriptions";
    private const string Speech = "/v1/audio/speech";

    [Fact]
    public async Task A_question_goes_through_cloud_stt_the_assistant_and_cloud_tts_and_is_heard()
    {
        await using var server = CloudTestServer.Start();
        const string question = "What is the tallest mountain in the world?";
        const string answer = "Mount Everest is the tallest mountain. It stands in the Himalayas.";
        server.Always(Transcriptions, (c, r) => Json(c, $"{{\"text\":{Quote(question)}}}"));
        server.Always(Chat, (c, _) => Sse(c, TextChunks(answer)));
        var spoken = new List<int>();
        server.Always(Speech, (c, r) =>
        {
            using var body = JsonDocument.Parse(r.Body);
            var pcm = CloudProviderTests.Pcm24k(engines, body.RootElement.GetProperty("input").GetString()!);
            lock (spoken)
            {
                spoken.Add(pcm.Length / 2);
            }

            return AudioBody(c, pcm, "audio/pcm", chunkBytes: 4800);
        });
        var log = new LogCapture();

        var result = await RunAsync(server, log, question, cloudStt: true, cloudTts: true, followUp: false);

        Assert.Empty(result.Errors);
        var session = Assert.Single(result.Sessions);
        Assert.Equal(SessionEndReason.Nominal, session.Reason);
        var turn = Assert.Single(result.Turns);
        Assert.Equal(question, turn.Transcript);
        Assert.Equal(answer, turn.ReplyText);
        Assert.Equal("cloud-stt", result.Events.OfType<TranscriptEvent>().Single(t => t.IsFinal).Engine);
        Assert.Equal("stt=cloud-stt llm=cloud-llm tts=cloud-tts", turn.Metrics.Provider);
        Assert.Null(turn.Metrics.FallbackReason);
        Assert.Contains("\"provider\":\"stt=cloud-stt llm=cloud-llm tts=cloud-tts\"", PipelineEventPayload.ToJson(turn), StringComparison.Ordinal);

        // The server heard the utterance (as a WAV at least as long as the question) and was asked for both sentences.
        var upload = Assert.Single(server.Requests, r => r.Path == Transcriptions);
        Assert.True(Audio.Alsa.WavFile.Parse(upload.Form["file"].Data).Duration.TotalSeconds >= engines.Speech(question).Length / 16000.0);
        Assert.Equal(
            ["Mount Everest is the tallest mountain.", "It stands in the Himalayas."],
            server.Requests.Where(r => r.Path == Speech).Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("input").GetString()));

        // What reached the speaker is the cloud's audio (24 kHz, resampled by the playback), all of it.
        var sent = spoken.Sum() / 24000.0;
        output.WriteLine($"cloud audio {sent:F2} s, speaker {result.Speaker.Duration.TotalSeconds:F2} s");
        Assert.InRange(result.Speaker.Duration.TotalSeconds, sent * 0.97, sent * 1.03 + 0.1);
        log.AssertNoSecret();
        Assert.DoesNotContain(result.Events, e => PipelineEventPayload.ToJson(e).Contains(CloudTestKit.Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_cloud_down_the_device_answers_a_command_locally_and_reports_every_fallback()
    {
        await using var server = CloudTestServer.Start();
        server.Always(Transcriptions, (c, _) => Error(c, 503, "overloaded"));
        server.Always(Speech, (c, _) => Error(c, 500, "boom"));
        server.Always(Chat, (c, _) => Sse(c, TextChunks("The assistant must not be asked.")));
        var log = new LogCapture();

        var result = await RunAsync(server, log, "Turn off the bedroom light.", cloudStt: true, cloudTts: true, followUp: false);

        Assert.Empty(result.Errors);
        var session = Assert.Single(result.Sessions);
        Assert.Equal(SessionEndReason.Nominal, session.Reason);
        var turn = Assert.Single(result.Turns);
        Assert.Equal("turn off the bedroom light", turn.Transcript);
        Assert.Equal("ChangeLightState", turn.Intent);
        Assert.Equal("Turning off the bedroom light.", turn.ReplyText);
        Assert.Equal([("home/bedroom/light/set", "off")], result.Published);
        Assert.Equal($"stt={engines.Grammar.Name} llm=intents tts={engines.Voice.Name}", turn.Metrics.Provider);
        Assert.Equal($"stt: cloud-stt http_503 -> {engines.Grammar.Name}; tts: cloud-tts http_500 -> {engines.Voice.Name}", turn.Metrics.FallbackReason);
        Assert.Contains("\"fallback_reason\":", PipelineEventPayload.ToJson(turn), StringComparison.Ordinal);
        Assert.Equal(engines.Grammar.Name, result.Events.OfType<TranscriptEvent>().Single(t => t.IsFinal).Engine); // who really transcribed
        Assert.Equal(0, server.Count(Chat)); // a command the intents know never leaves the device
        Assert.Equal(2, server.Count(Transcriptions)); // 503 is retried once
        Assert.InRange(result.Speaker.Duration.TotalSeconds, engines.ReplySeconds("Turning off the bedroom light.") * 0.9, 10);
        log.AssertNoSecret();
    }

    [Fact]
    public async Task Cloud_tts_failing_in_the_middle_of_a_reply_lets_piper_finish_it()
    {
        await using var server = CloudTestServer.Start();
        const string question = "Tell me about tea.";
        const string answer = "Tea is an old drink. It came from China long ago. Many people drink it every morning.";
        server.Always(Transcriptions, (c, _) => Json(c, $"{{\"text\":{Quote(question)}}}"));
        server.Always(Chat, (c, _) => Sse(c, TextChunks(answer)));
        var first = CloudProviderTests.Pcm24k(engines, "Tea is an old drink.");
        server.Then(Speech, (c, _) => AudioBody(c, first, "audio/pcm"));
        server.Then(Speech, (c, _) => AudioBody(c, CloudProviderTests.Pcm24k(engines, "It came from China long ago."), "audio/pcm", cutAfter: 9600));
        server.Always(Speech, (c, _) => Error(c, 500, "must not be asked"));
        var log = new LogCapture();

        var result = await RunAsync(server, log, question, cloudStt: true, cloudTts: true, followUp: false);

        Assert.Empty(result.Errors);
        Assert.Equal(SessionEndReason.Nominal, Assert.Single(result.Sessions).Reason);
        var turn = Assert.Single(result.Turns);
        Assert.Equal(answer, turn.ReplyText);
        Assert.False(turn.Interrupted);
        Assert.Equal(2, server.Count(Speech));
        Assert.Equal($"tts: cloud-tts stream_cut mid-sentence -> {engines.Voice.Name}", turn.Metrics.FallbackReason);
        Assert.Equal($"stt=cloud-stt llm=cloud-llm tts=cloud-tts tts={engines.Voice.Name}", turn.Metrics.Provider);

        // Heard: the first sentence from the cloud, 0.2 s of the second (9600 bytes at 24 kHz), the third from Piper.
        var expected = (first.Length / 2 / 24000.0) + 0.2 + engines.ReplySeconds("Many people drink it every morning.");
        output.WriteLine($"expected {expected:F2} s, speaker {result.Speaker.Duration.TotalSeconds:F2} s");
        Assert.InRange(result.Speaker.Duration.TotalSeconds, expected - 0.3, expected + 0.5);
    }

    private async Task<RigResult> RunAsync(CloudTestServer server, LogCapture log, string utterance, bool cloudStt, bool cloudTts, bool followUp)
    {
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.5)
            .Say(utterance, engines.Speech(utterance))
            .Noise(3.0);
        var endpoints = new List<CloudEndpoint>();
        CloudEndpoint Endpoint(CloudProviderKind kind)
        {
            var e = CloudTestKit.Endpoint(CloudTestKit.Options(kind, server.BaseUrl, o => o with { FollowUp = followUp }), log);
            endpoints.Add(e);
            return e;
        }

        try
        {
            return await EndToEndRig.RunAsync(
                engines,
                recording,
                new RigOptions
                {
                    MicSpeed = 4,
                    SpeakerSpeed = 4,
                    Wrap = real => real with
                    {
                        Stt = cloudStt ? new FallbackSpeechToText(new CloudSpeechToText(Endpoint(CloudProviderKind.Stt)), real.Stt, log.CreateLogger("stt")) : real.Stt,
                        Tts = cloudTts ? new FallbackTextToSpeech(new CloudTextToSpeech(Endpoint(CloudProviderKind.Tts)), real.Tts, log.CreateLogger("tts")) : real.Tts,
                        Workflow = new LlmWorkflow(Endpoint(CloudProviderKind.Llm), (IntentWorkflow)real.Workflow, intentsFirst: true, log.CreateLogger("llm")),
                    },
                },
                output);
        }
        finally
        {
            foreach (var e in endpoints)
            {
                e.Dispose();
            }
        }
    }
}
