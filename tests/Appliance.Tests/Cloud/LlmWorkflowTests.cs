using System.Text.Json;
using VoiceAppliance.Cloud;
using VoiceAppliance.Hosting;
using VoiceAppliance.Testing;
using VoiceAppliance.Tests.Mqtt;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;
using static VoiceAppliance.Tests.Cloud.CloudTestServer;

namespace VoiceAppliance.Tests.Cloud;

/// <summary>
/// The LLM workflow against a local server speaking the chat completions protocol (SSE streaming, tool calls):
/// streaming, history, tools (publishing to a real mosquitto), and every failure answered by the local fallback.
/// </summary>
public sealed class LlmWorkflowTests
{
    private const string Chat = "/v1/chat/completions";
    private const string Question = "what is the tallest mountain in the world";

    private static IntentOptions ShippedIntents() => IntentsFile.Load(Path.Combine(TestPaths.Root, "config", "intents.json"));

    [Fact]
    public async Task The_answer_streams_with_the_system_prompt_the_tools_the_key_and_a_bounded_history()
    {
        await using var server = CloudTestServer.Start();
        const string answer = "Mount Everest is the tallest mountain. It is 8849 metres high.";
        server.Always(Chat, (c, _) => Sse(c, TextChunks(answer)));
        var log = new LogCapture();
        using var intents = new IntentWorkflow(ShippedIntents());
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, server.BaseUrl, o => o with { MaxHistoryMessages = 4 }), log);
        var workflow = new LlmWorkflow(endpoint, intents, intentsFirst: false, log.CreateLogger("llm"));
        var appliance = new RecordingAppliance();

        var turn = CloudTestKit.Turn(Question, appliance);
        var pieces = await CloudTestKit.CollectAsync(workflow, turn);

        Assert.True(pieces.Count > 5, "the answer arrives in pieces, as streamed");
        Assert.Equal(answer, string.Concat(pieces));
        Assert.True(turn.FollowUpRequested, "the assistant listens for a follow-up");
        Assert.Equal("llm=cloud-llm", turn.Providers.Summary);
        Assert.Null(turn.Providers.FallbackReasons);

        var request = Assert.Single(server.Requests);
        Assert.Equal("Bearer " + CloudTestKit.Secret, request.Headers["Authorization"]);
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal("gpt-4o-mini", root.GetProperty("model").GetString());
        Assert.True(root.GetProperty("stream").GetBoolean());
        var messages = root.GetProperty("messages");
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Equal(CloudProviderOptions.DefaultSystemPrompt, messages[0].GetProperty("content").GetString());
        Assert.Equal("user", messages[1].GetProperty("role").GetString());
        Assert.Equal(Question, messages[1].GetProperty("content").GetString());
        var tools = root.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("function").GetProperty("name").GetString()!);
        Assert.Equal(["ChangeLightState", "GetDate", "GetTime", "Mute", "SetVolume", "StartTimer"], tools.Keys.Order());
        var light = tools["ChangeLightState"].GetProperty("function").GetProperty("parameters");
        Assert.Equal(["bedroom", "kitchen", "living room"], light.GetProperty("properties").GetProperty("room").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.Equal(["room", "state"], light.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order());
        var level = tools["SetVolume"].GetProperty("function").GetProperty("parameters").GetProperty("properties").GetProperty("level");
        Assert.Equal("integer", level.GetProperty("type").GetString());
        Assert.Equal(100, level.GetProperty("maximum").GetInt32());

        // A follow-up in the same session carries the history; the history keeps at most 4 messages.
        for (var i = 1; i <= 3; i++)
        {
            await CloudTestKit.CollectAsync(workflow, CloudTestKit.Turn($"and follow-up {i}", appliance, index: i));
        }

        Assert.Equal(4, workflow.HistoryCount);
        using (var last = JsonDocument.Parse(server.Requests.Last().Body))
        {
            var sent = last.RootElement.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList();
            Assert.Equal(("system", CloudProviderOptions.DefaultSystemPrompt), sent[0]);
            Assert.Equal(("user", "and follow-up 1"), sent[1]);
            Assert.Equal(("assistant", answer), sent[2]);
            Assert.Equal(("user", "and follow-up 3"), sent[^1]);
            Assert.Equal(6, sent.Count);
        }

        // A new session starts with no history.
        await CloudTestKit.CollectAsync(workflow, CloudTestKit.Turn("new session", appliance, session: "s2"));
        using (var fresh = JsonDocument.Parse(server.Requests.Last().Body))
        {
            Assert.Equal(2, fresh.RootElement.GetProperty("messages").GetArrayLength());
        }

        log.AssertNoSecret();
    }

    [RequiresProgramFact("mosquitto")]
    public async Task A_tool_call_runs_the_intent_which_publishes_to_a_real_broker_and_the_answer_continues()
    {
        using var broker = MosquittoBroker.Start();
        var stateDir = MqttTestOptions.NewStateDir();
        using var peer = new TestPeer(broker.Port, null, true, "home/#");
        var service = new VoiceAppliance.Mqtt.MqttService(MqttTestOptions.For(broker, stateDir), new RecordingHandler(), new ListLogger());
        await service.StartAsync(CancellationToken.None);
        await using var server = CloudTestServer.Start();
        try
        {
            server.Then(Chat, (c, _) => Sse(c, ToolCallChunks("call_abc", "ChangeLightState", """{"state":"on","room":"Living Room"}""")));
            server.Then(Chat, (c, _) => Sse(c, TextChunks("The living room light is on now.")));
            var log = new LogCapture();
            using var intents = new IntentWorkflow(ShippedIntents(), new MqttMessagePublisher { Target = service });
            using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, server.BaseUrl), log);
            var workflow = new LlmWorkflow(endpoint, intents, intentsFirst: false, log.CreateLogger("llm"));
            var turn = CloudTestKit.Turn("could you light up the living room please", new RecordingAppliance());

            var pieces = await CloudTestKit.CollectAsync(workflow, turn);

            Assert.Equal("The living room light is on now.", string.Concat(pieces));
            var published = peer.WaitFor("home/living room/light/set", null, 20);
            Assert.Equal("on", published.Text);
            Assert.Equal("ChangeLightState", turn.Intent);
            Assert.Equal(2, server.Count(Chat));
            using var second = JsonDocument.Parse(server.Requests.Last().Body);
            var messages = second.RootElement.GetProperty("messages").EnumerateArray().ToList();
            var call = messages[^2];
            Assert.Equal("assistant", call.GetProperty("role").GetString());
            Assert.Equal("call_abc", call.GetProperty("tool_calls")[0].GetProperty("id").GetString());
            Assert.Equal("""{"state":"on","room":"Living Room"}""", call.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString());
            var result = messages[^1];
            Assert.Equal("tool", result.GetProperty("role").GetString());
            Assert.Equal("call_abc", result.GetProperty("tool_call_id").GetString());
            Assert.Contains("Turning on the living room light.", result.GetProperty("content").GetString(), StringComparison.Ordinal);
            log.AssertNoSecret();
        }
        finally
        {
            await service.DisposeAsync();
            Directory.Delete(stateDir, true);
        }
    }

    public static TheoryData<string, string, string> BadToolCalls { get; } = new()
    {
        { "SetVolume", """{"level":250}""", "outside 0-100" },
        { "SetVolume", """{"level":"loud"}""", "whole number" },
        { "SetVolume", """{"level":40""", "not valid JSON" },
        { "ChangeLightState", """{"state":"on","room":"garage"}""", "is not one of" },
        { "ChangeLightState", """{"state":"on"}""", "'room' is required" },
        { "ChangeLightState", """{"state":"on","room":"kitchen","colour":"red"}""", "unknown argument 'colour'" },
        { "OpenTheGarage", """{}""", "unknown tool" },
    };

    [Theory]
    [MemberData(nameof(BadToolCalls))]
    public async Task A_tool_call_with_bad_arguments_is_refused_with_an_error_the_model_reads_and_nothing_runs(string tool, string arguments, string error)
    {
        await using var server = CloudTestServer.Start();
        server.Then(Chat, (c, _) => Sse(c, ToolCallChunks("call_1", tool, arguments)));
        server.Then(Chat, (c, _) => Sse(c, TextChunks("Sorry, I could not do that.")));
        var log = new LogCapture();
        var publisher = new VoiceAppliance.Tests.EndToEnd.RecordingPublisher();
        using var intents = new IntentWorkflow(ShippedIntents(), publisher);
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, server.BaseUrl), log);
        var workflow = new LlmWorkflow(endpoint, intents, intentsFirst: false, log.CreateLogger("llm"));
        var appliance = new RecordingAppliance();
        var turn = CloudTestKit.Turn("make it loud in the garage", appliance);

        var pieces = await CloudTestKit.CollectAsync(workflow, turn);

        Assert.Equal("Sorry, I could not do that.", string.Concat(pieces));
        Assert.Equal(50, appliance.Volume);
        Assert.Empty(publisher.Messages);
        Assert.Null(turn.Intent);
        Assert.Contains("bad_tool_call " + tool, turn.Providers.FallbackReasons, StringComparison.Ordinal);
        using var second = JsonDocument.Parse(server.Requests.Last().Body);
        var result = second.RootElement.GetProperty("messages").EnumerateArray().Last();
        Assert.Equal("tool", result.GetProperty("role").GetString());
        using var content = JsonDocument.Parse(result.GetProperty("content").GetString()!);
        Assert.False(content.RootElement.GetProperty("ok").GetBoolean());
        Assert.Contains(error, content.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains(log.Lines, l => l.Contains("was refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tool_rounds_are_bounded_and_a_model_that_keeps_calling_tools_gets_the_fallback_reply()
    {
        await using var server = CloudTestServer.Start();
        server.Always(Chat, (c, _) => Sse(c, ToolCallChunks("call_x", "GetTime", "{}")));
        var log = new LogCapture();
        using var intents = new IntentWorkflow(ShippedIntents());
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, server.BaseUrl, o => o with { MaxToolRounds = 2 }), log);
        var workflow = new LlmWorkflow(endpoint, intents, intentsFirst: false, log.CreateLogger("llm"));
        var turn = CloudTestKit.Turn(Question, new RecordingAppliance());

        var pieces = await CloudTestKit.CollectAsync(workflow, turn);

        Assert.Equal(LlmWorkflow.UnreachableReply, string.Concat(pieces));
        Assert.Equal(3, server.Count(Chat));
        using var last = JsonDocument.Parse(server.Requests.Last().Body);
        Assert.Equal("none", last.RootElement.GetProperty("tool_choice").GetString());
        Assert.Contains("llm: cloud-llm bad_tool_call -> unreachable_reply", turn.Providers.FallbackReasons, StringComparison.Ordinal);
    }

    /// <summary>A failure scenario: the server's script and the reason the turn must report.</summary>
    public static TheoryData<string> Failures { get; } = new(["http_500", "http_429_long", "malformed_json", "stream_stops", "reset_before_text", "no_done", "huge_declared", "huge_chunked", "error_event", "dead_port"]);

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Every_failure_is_a_clear_error_and_the_device_says_it_cannot_reach_the_assistant(string scenario)
    {
        await using var server = CloudTestServer.Start();
        var role = "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}";
        Func<System.Net.HttpListenerContext, RecordedRequest, Task> script = scenario switch
        {
            "http_500" => (c, _) => Error(c, 500, "internal error; your key " + CloudTestKit.Secret + " is fine"),
            "http_429_long" => (c, _) => Error(c, 429, "Rate limit reached", ("Retry-After", "120")),
            "malformed_json" => (c, _) => Sse(c, [role, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel"]),
            "stream_stops" => (c, _) => server.SseThenStall(c, [role]),
            "reset_before_text" => (c, _) => SseThenReset(c, [role]),
            "no_done" => (c, _) => Sse(c, [role], done: false),
            "huge_declared" => (c, _) => Huge(c, "text/event-stream"),
            "huge_chunked" => (c, _) => Huge(c, "text/event-stream", declareLength: false),
            "error_event" => (c, _) => Sse(c, ["{\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\"}}"]),
            _ => (c, _) => Json(c, "{}"),
        };
        var expected = scenario switch
        {
            "http_500" => "http_500",
            "http_429_long" => "http_429",
            "malformed_json" => "malformed_response",
            "stream_stops" => "timeout",
            "reset_before_text" => "stream_cut",
            "no_done" => "stream_cut",
            "huge_declared" => "too_large",
            "huge_chunked" => "too_large",
            "error_event" => "server_error",
            _ => "connect_failed",
        };
        server.Always(Chat, script);
        var baseUrl = server.BaseUrl;
        if (scenario == "dead_port")
        {
            baseUrl = new Uri($"http://127.0.0.1:{DeadPort()}/v1");
        }

        var log = new LogCapture();
        using var intents = new IntentWorkflow(ShippedIntents());
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, baseUrl, o => o with { FirstByteTimeout = TimeSpan.FromSeconds(3), MaxResponseBytes = 256 * 1024 }), log);
        var workflow = new LlmWorkflow(endpoint, intents, intentsFirst: false, log.CreateLogger("llm"));
        var turn = CloudTestKit.Turn(Question, new RecordingAppliance());

        var pieces = await CloudTestKit.CollectAsync(workflow, turn);

        Assert.Equal(LlmWorkflow.UnreachableReply, string.Concat(pieces));
        Assert.False(turn.FollowUpRequested);
        Assert.True($"llm: cloud-llm {expected} -> unreachable_reply" == turn.Providers.FallbackReasons, string.Join("\n", log.Lines));
        Assert.Equal(1, endpoint.Breaker.Failures);
        var warning = Assert.Single(log.Lines, l => l.Contains("The assistant failed", StringComparison.Ordinal));
        Assert.Contains(expected, warning, StringComparison.Ordinal);
        if (scenario == "http_500")
        {
            Assert.Contains("[redacted]", warning, StringComparison.Ordinal); // the server echoed the key: it is not logged
        }

        log.AssertNoSecret();
    }

    [Fact]
    public async Task An_answer_that_breaks_off_after_it_started_ends_with_an_apology_not_a_crash()
    {
        await using var server = CloudTestServer.Start();
        server.Always(Chat, (c, _) => SseThenReset(c, TextChunks("Mount Everest is the tallest mountain on Earth.").Take(4)));
        var log = new LogCapture();
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, server.BaseUrl), log);
        var workflow = new LlmWorkflow(endpoint, null, intentsFirst: false, log.CreateLogger("llm"));
        var turn = CloudTestKit.Turn(Question, new RecordingAppliance());

        var pieces = await CloudTestKit.CollectAsync(workflow, turn);

        Assert.StartsWith("Mount Everest is ", string.Concat(pieces), StringComparison.Ordinal);
        Assert.EndsWith(LlmWorkflow.BrokenOffReply, string.Concat(pieces), StringComparison.Ordinal);
        Assert.Equal("llm: cloud-llm stream_cut -> apology", turn.Providers.FallbackReasons);
        Assert.Equal(0, workflow.HistoryCount);
    }

    [Fact]
    public async Task A_429_with_a_short_Retry_After_is_retried_once_and_answered()
    {
        await using var server = CloudTestServer.Start();
        server.Then(Chat, (c, _) => Error(c, 429, "slow down", ("Retry-After", "0")));
        server.Then(Chat, (c, _) => Sse(c, TextChunks("Hello again.")));
        var log = new LogCapture();
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, server.BaseUrl), log);
        var workflow = new LlmWorkflow(endpoint, null, intentsFirst: false, log.CreateLogger("llm"));
        var turn = CloudTestKit.Turn("hello", new RecordingAppliance());

        var pieces = await CloudTestKit.CollectAsync(workflow, turn);

        Assert.Equal("Hello again.", string.Concat(pieces));
        Assert.Equal(2, server.Count(Chat));
        Assert.Null(turn.Providers.FallbackReasons);
        Assert.Contains(log.Lines, l => l.Contains("http_429, retrying", StringComparison.Ordinal));
    }

    [Fact]
    public async Task After_the_failure_threshold_the_circuit_opens_and_the_provider_is_not_called_until_the_cool_down_ends()
    {
        await using var server = CloudTestServer.Start();
        server.Always(Chat, (c, _) => Error(c, 500, "down"));
        var time = new ManualTimeProvider();
        var log = new LogCapture();
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, server.BaseUrl, o => o with { FailureThreshold = 2, CoolDown = TimeSpan.FromSeconds(30) }), log, time);
        var workflow = new LlmWorkflow(endpoint, null, intentsFirst: false, log.CreateLogger("llm"));

        for (var i = 0; i < 2; i++)
        {
            await CloudTestKit.CollectAsync(workflow, CloudTestKit.Turn(Question, new RecordingAppliance(), index: i));
        }

        Assert.True(endpoint.Breaker.IsOpen);
        var skipped = CloudTestKit.Turn(Question, new RecordingAppliance(), index: 2);
        Assert.Equal(LlmWorkflow.UnreachableReply, string.Concat(await CloudTestKit.CollectAsync(workflow, skipped)));
        Assert.Equal("llm: cloud-llm circuit_open -> unreachable_reply", skipped.Providers.FallbackReasons);
        Assert.Equal(2, server.Count(Chat));

        // After the cool-down one probe goes through; the server is back: the circuit closes.
        server.Always(Chat, (c, _) => Sse(c, TextChunks("Back again.")));
        time.Advance(TimeSpan.FromSeconds(31));
        var probe = CloudTestKit.Turn(Question, new RecordingAppliance(), index: 3);
        Assert.Equal("Back again.", string.Concat(await CloudTestKit.CollectAsync(workflow, probe)));
        Assert.False(endpoint.Breaker.IsOpen);
        Assert.Equal(0, endpoint.Breaker.Failures);
    }

    [Fact]
    public async Task Intents_then_llm_answers_a_matching_command_on_the_device_and_only_the_rest_goes_out()
    {
        await using var server = CloudTestServer.Start();
        server.Always(Chat, (c, _) => Sse(c, TextChunks("It is very tall.")));
        var log = new LogCapture();
        var publisher = new VoiceAppliance.Tests.EndToEnd.RecordingPublisher();
        using var intents = new IntentWorkflow(ShippedIntents(), publisher);
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, server.BaseUrl), log);
        var workflow = new LlmWorkflow(endpoint, intents, intentsFirst: true, log.CreateLogger("llm"));
        Assert.Equal("intents-then-llm", workflow.Name);

        var local = CloudTestKit.Turn("turn on the kitchen light", new RecordingAppliance());
        Assert.Equal("Turning on the kitchen light.", string.Concat(await CloudTestKit.CollectAsync(workflow, local)));
        Assert.Equal("ChangeLightState", local.Intent);
        Assert.Equal("llm=intents", local.Providers.Summary);
        Assert.Equal([("home/kitchen/light/set", "on")], publisher.Messages);
        Assert.Empty(server.Requests);

        var remote = CloudTestKit.Turn(Question, new RecordingAppliance());
        Assert.Equal("It is very tall.", string.Concat(await CloudTestKit.CollectAsync(workflow, remote)));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task With_the_assistant_unreachable_a_command_the_intents_know_is_still_carried_out()
    {
        var log = new LogCapture();
        var publisher = new VoiceAppliance.Tests.EndToEnd.RecordingPublisher();
        using var intents = new IntentWorkflow(ShippedIntents(), publisher);
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, new Uri($"http://127.0.0.1:{DeadPort()}/v1")), log);
        var workflow = new LlmWorkflow(endpoint, intents, intentsFirst: false, log.CreateLogger("llm"));
        var turn = CloudTestKit.Turn("turn off the bedroom light", new RecordingAppliance());

        var pieces = await CloudTestKit.CollectAsync(workflow, turn);

        Assert.Equal("Turning off the bedroom light.", string.Concat(pieces));
        Assert.Equal([("home/bedroom/light/set", "off")], publisher.Messages);
        Assert.Equal("llm: cloud-llm connect_failed -> intents", turn.Providers.FallbackReasons);
        log.AssertNoSecret();
    }

    /// <summary>
    /// A port nothing listens on (connections are refused): bound and never listening, and held for the process's
    /// life so no other test's server can take it.
    /// </summary>
    internal static int DeadPort() => ((System.Net.IPEndPoint)s_dead.LocalEndPoint!).Port;

    private static readonly System.Net.Sockets.Socket s_dead = BindDead();

    private static System.Net.Sockets.Socket BindDead()
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return socket;
    }
}
