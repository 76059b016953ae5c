using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Cloud;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Benchmarks.Cloud;

/// <summary>
/// <c>./build.sh bench cloud [runs]</c>: what the cloud path adds over a local OpenAI-compatible server on
/// 127.0.0.1 (so the network and the model cost nothing): building the chat request with the intents as tools,
/// parsing the SSE stream, first text and first audio compared with a bare HTTP client reading the same bytes; and
/// the fallback time from a dead or stalled provider to Piper's first audio, with the circuit closed and open.
/// </summary>
public static class CloudBench
{
    private const string Answer = "Mount Everest is the tallest mountain on Earth. It stands in the Himalayas, between Nepal and China. Its summit is 8849 metres above the sea.";

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "serve-realtime")
        {
            return ServeRealtime(args[1..]);
        }

        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        var voiceDir = Path.GetDirectoryName(ModelPaths.Require("piper/en_US-libritts_r-medium/model.onnx"))!;
        using var piper = PiperTts.Open(voiceDir);
        var intents = IntentsFile.Load(Path.Combine(BenchTools.Root(), "config", "intents.json"));
        var pcm = Pcm(piper, "Mount Everest is the tallest mountain on Earth.");
        using var server = new BenchServer(pcm);
        Console.WriteLine($"cloud bench: local server 127.0.0.1:{server.Port}, {runs} runs each, medians (p95) in ms");
        RequestBuild(intents, runs * 100);
        Streaming(server, intents, runs).GetAwaiter().GetResult();
        Fallback(server, piper, runs).GetAwaiter().GetResult();
        RealtimeBench.RunAsync(runs).GetAwaiter().GetResult();
        RealtimeBench.RunServerVadAsync(Math.Min(runs, 5)).GetAwaiter().GetResult();
        return 0;
    }

    /// <summary>
    /// <c>bench cloud serve-realtime [--port N]</c>: a local Realtime server (<see cref="RealtimeVadServer"/>) until
    /// stdin closes or the process is stopped; prints its URL, then what each connection does.
    /// </summary>
    private static int ServeRealtime(string[] args)
    {
        var port = args.Length == 2 && args[0] == "--port" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
        using var server = new RealtimeVadServer(port) { Log = line => Console.WriteLine("[realtime-server] " + line) };
        Console.WriteLine($"realtime server: ws://127.0.0.1:{server.Port}/v1/realtime");
        Console.Out.Flush();
        while (Console.In.ReadLine() is not null)
        {
        }

        return 0;
    }

    private static void RequestBuild(IntentOptions intents, int n)
    {
        using var workflow = new IntentWorkflow(intents);
        var tools = new IntentTools(workflow).Definitions;
        var messages = new List<ChatMessage> { new() { Role = "system", Content = CloudProviderOptions.DefaultSystemPrompt } };
        for (var i = 0; i < 8; i++)
        {
            messages.Add(new ChatMessage { Role = i % 2 == 0 ? "user" : "assistant", Content = "what is the tallest mountain in the world" });
        }

        var sse = new StringBuilder();
        foreach (var e in BenchServer.Chunks(Answer))
        {
            sse.Append("data: ").Append(e).Append("\n\n");
        }

        var sseBytes = Encoding.UTF8.GetBytes(sse.Append("data: [DONE]\n\n").ToString());
        var build = new List<double>();
        var parse = new List<double>();
        var size = 0;
        for (var i = 0; i < n; i++)
        {
            var t = Stopwatch.GetTimestamp();
            size = ChatCompletionsClient.BuildBody("gpt-4o-mini", messages, tools, true).Length;
            build.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
            t = Stopwatch.GetTimestamp();
            var count = ParseAsync(sseBytes).GetAwaiter().GetResult();
            parse.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
            if (count == 0)
            {
                throw new InvalidOperationException("nothing parsed");
            }
        }

        Console.WriteLine($"request build (6 tools, 9 messages, {size} bytes): {Median(build):F1} us (p95 {P95(build):F1}); SSE parse of {sseBytes.Length} bytes / {BenchServer.Chunks(Answer).Count()} events: {Median(parse):F1} us (p95 {P95(parse):F1})");
    }

    private static async Task<int> ParseAsync(byte[] sse)
    {
        var pieces = 0;
        await foreach (var data in ServerSentEvents.ReadAsync(new MemoryStream(sse), "bench", CancellationToken.None))
        {
            if (data != "[DONE]" && System.Text.Json.JsonSerializer.Deserialize(data, CloudJsonContext.Default.ChatChunk)?.Choices?[0].Delta?.Content is { Length: > 0 })
            {
                pieces++;
            }
        }

        return pieces;
    }

    private static async Task Streaming(BenchServer server, IntentOptions intents, int runs)
    {
        using var raw = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None });
        var options = new CloudProviderOptions { Kind = CloudProviderKind.Llm, BaseUrl = server.BaseUrl, Model = "bench" };
        using var endpoint = new CloudEndpoint(options, null, TimeProvider.System, NullLogger.Instance);
        using var ttsEndpoint = new CloudEndpoint(options with { Kind = CloudProviderKind.Tts }, null, TimeProvider.System, NullLogger.Instance);
        using var workflow = new IntentWorkflow(intents);
        var llm = new LlmWorkflow(endpoint, workflow, intentsFirst: false, NullLogger.Instance);
        var tts = new CloudTextToSpeech(ttsEndpoint);
        var body = ChatCompletionsClient.BuildBody("bench", [new ChatMessage { Role = "user", Content = "what is the tallest mountain" }], new IntentTools(workflow).Definitions, true);
        HttpContent Body()
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return content;
        }

        var llmFirst = new List<double>();
        var rawAudio = new List<double>();
        var ttsFirst = new List<double>();
        for (var i = 0; i < runs + 3; i++)
        {
            var t = Stopwatch.GetTimestamp();
            var turn = new WorkflowTurn("bench", i, "what is the tallest mountain", ReadOnlyMemory<float>.Empty, 16000, new NoAppliance());
            var first = true;
            await foreach (var piece in llm.RespondAsync(turn, CancellationToken.None).ConfigureAwait(false))
            {
                if (first)
                {
                    Keep(i, llmFirst, t);
                    first = false;
                }
            }

            // The peer: a bare HttpClient POST of the same body, time to the first 100 ms of audio bytes.
            t = Stopwatch.GetTimestamp();
            using (var response = await raw.PostAsync(new Uri(server.BaseUrl, "audio/speech"), Body(), CancellationToken.None).ConfigureAwait(false))
            {
                var s = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                _ = await s.ReadAsync(new byte[4800]).ConfigureAwait(false);
                Keep(i, rawAudio, t);
            }

            t = Stopwatch.GetTimestamp();
            await foreach (var chunk in tts.SynthesizeAsync("Mount Everest is the tallest mountain on Earth.", null, CancellationToken.None).ConfigureAwait(false))
            {
                Keep(i, ttsFirst, t);
                break;
            }
        }

        Console.WriteLine($"LLM request -> first text over loopback (request build, POST, SSE framing, JSON): {Median(llmFirst):F2} ms (p95 {P95(llmFirst):F2})");
        Console.WriteLine($"TTS first audio chunk (100 ms): client {Median(ttsFirst):F2} ms (p95 {P95(ttsFirst):F2}) vs bare HTTP first 4800 bytes {Median(rawAudio):F2} ms -> added {Median(ttsFirst) - Median(rawAudio):F2} ms");
    }

    private static async Task Fallback(BenchServer server, PiperTts piper, int runs)
    {
        var dead = DeadPort();
        var cases = new (string Name, Uri Url, int Attempts, bool Open)[]
        {
            ("refused (1 attempt)", new Uri($"http://127.0.0.1:{dead.Port}/v1"), 1, false),
            ("refused (2 attempts)", new Uri($"http://127.0.0.1:{dead.Port}/v1"), 2, false),
            ("stalled, first-byte limit 500 ms", new Uri($"http://127.0.0.1:{server.Port}/stall/v1"), 1, false),
            ("circuit open", new Uri($"http://127.0.0.1:{dead.Port}/v1"), 1, true),
        };
        var local = new List<double>();
        foreach (var (name, url, attempts, open) in cases)
        {
            var options = new CloudProviderOptions
            {
                Kind = CloudProviderKind.Tts,
                BaseUrl = url,
                Model = "bench",
                MaxAttempts = attempts,
                ConnectTimeout = TimeSpan.FromSeconds(2),
                FirstByteTimeout = TimeSpan.FromMilliseconds(500),
                FailureThreshold = open ? 1 : 1000,
                CoolDown = TimeSpan.FromHours(1),
            };
            using var endpoint = new CloudEndpoint(options, null, TimeProvider.System, NullLogger.Instance);
            var tts = new FallbackTextToSpeech(new CloudTextToSpeech(endpoint), piper, NullLogger.Instance);
            if (open)
            {
                endpoint.Breaker.Failure();
            }

            var times = new List<double>();
            var over = new List<double>();
            var count = name.StartsWith("stalled", StringComparison.Ordinal) ? Math.Min(runs, 10) : runs;
            for (var i = 0; i < count + 1; i++)
            {
                // Piper alone, then the fallback, in the same iteration (the machine's load changes slowly).
                var alone = new List<double>();
                var t = Stopwatch.GetTimestamp();
                await foreach (var chunk in piper.SynthesizeAsync("Turning off the bedroom light.", null, CancellationToken.None).ConfigureAwait(false))
                {
                    Keep(i - 1, alone, t);
                    break;
                }

                var providers = new ProviderLog();
                t = Stopwatch.GetTimestamp();
                await foreach (var chunk in tts.SynthesizeAsync("Turning off the bedroom light.", null, providers, CancellationToken.None).ConfigureAwait(false))
                {
                    Keep(i - 1, times, t);
                    break;
                }

                if (!providers.AnyFallback)
                {
                    throw new InvalidOperationException($"{name}: no fallback taken");
                }

                if (i > 0)
                {
                    local.AddRange(alone);
                    over.Add(times[^1] - alone[0]);
                }
            }

            Console.WriteLine($"fallback to Piper's first audio, {name}: {Median(times):F1} ms (p95 {P95(times):F1}); over Piper alone in the same iteration: median {Median(over):F1} ms (p95 {P95(over):F1})");
        }

        Console.WriteLine($"Piper alone, first audio: {Median(local):F1} ms (p95 {P95(local):F1})");
        dead.Dispose();
    }
    private static void Keep(int i, List<double> list, long started)
    {
        if (i >= 0)
        {
            list.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);

    private static double P95(List<double> v) => v.Order().ElementAt(Math.Min(v.Count - 1, (int)Math.Ceiling(v.Count * 0.95) - 1));

    private static (int Port, IDisposable Socket) DeadPortInner()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (((IPEndPoint)socket.LocalEndPoint!).Port, socket);
    }

    private static DeadSocket DeadPort()
    {
        var (port, socket) = DeadPortInner();
        return new DeadSocket(port, socket);
    }

    private static byte[] Pcm(PiperTts piper, string text)
    {
        var audio = AudioResampler.Resample(piper.Synthesize(text), piper.SampleRate, 24000);
        var bytes = new byte[audio.Length * 2];
        for (var i = 0; i < audio.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), (short)Math.Round(Math.Clamp(audio[i], -1f, 1f) * short.MaxValue));
        }

        return bytes;
    }

    private sealed record DeadSocket(int Port, IDisposable Socket) : IDisposable
    {
        public void Dispose() => Socket.Dispose();
    }

    private sealed class NoAppliance : IApplianceControl
    {
        public int Volume { get; set; } = 50;

        public void MuteAfterReply()
        {
        }

        public bool Say(string text) => true;
    }
}
