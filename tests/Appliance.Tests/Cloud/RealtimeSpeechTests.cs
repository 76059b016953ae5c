using System.Text.Json;
using VoiceAppliance.Cloud;
using VoiceAppliance.Configuration;
using VoiceAppliance.Hosting;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;
using VoiceAppliance.Tests.EndToEnd;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Tests.Cloud;

/// <summary>
/// The Realtime provider against a local Realtime server, turn by turn (the pipeline's side recorded): hostile and
/// broken servers (malformed and oversized messages, error events, silence), the circuit breaker, bad tool calls,
/// and the <c>Cloud:Realtime</c> section.
/// </summary>
public sealed class RealtimeSpeechTests
{
    private static readonly Dictionary<string, string?> s_noEnv = [];
    private static readonly float[] s_utterance = Tone(16000);

    [Fact]
    public async Task A_malformed_event_ends_the_turn_as_malformed_response_and_the_next_turn_connects_again()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(async c =>
        {
            await c.NextAsync("response.create");
            await c.SendRawAsync("{\"type\":\"response.created\",\"response\":{"u8.ToArray());
        });
        server.AnswerText = "Fine.";
        var log = new LogCapture();
        await using var realtime = Provider(server, log);

        var first = await RespondAsync(realtime, "s1");
        Assert.Equal("malformed_response", first.Reply.FailureReason);
        Assert.False(first.Turn.AudioStarted);

        var second = await RespondAsync(realtime, "s1");
        Assert.Null(second.Reply.FailureReason);
        Assert.Equal("Fine.", second.Reply.Text);
        Assert.Equal(2, server.Connections.Count);
        Assert.Contains(log.Lines, l => l.Contains("malformed_response", StringComparison.Ordinal));
        log.AssertNoSecret();
    }

    [Fact]
    public async Task A_message_over_the_cap_is_refused_as_too_large_without_reading_it_whole()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(async c =>
        {
            await c.NextAsync("response.create");
            var huge = "{\"type\":\"response.audio.delta\",\"delta\":\"" + new string('A', 200 * 1024) + "\"}";
            await c.SendRawAsync(System.Text.Encoding.UTF8.GetBytes(huge));
        });
        var log = new LogCapture();
        await using var realtime = Provider(server, log, o => o with { MaxMessageBytes = 64 * 1024 });

        var result = await RespondAsync(realtime, "s1");

        Assert.Equal("too_large", result.Reply.FailureReason);
        Assert.Contains("64 KiB", result.Reply.FailureMessage, StringComparison.Ordinal);
        Assert.Equal(0, result.Turn.Plays);
        log.AssertNoSecret();
    }

    [Fact]
    public async Task An_error_event_fails_the_turn_with_its_code_and_message()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(async c =>
        {
            await c.NextAsync("response.create");
            await c.SendAsync("""{"type":"error","error":{"type":"invalid_request_error","code":"model_not_found","message":"The model does not exist."}}""");
        });
        await using var realtime = Provider(server, new LogCapture());

        var result = await RespondAsync(realtime, "s1");

        Assert.Equal("server_error", result.Reply.FailureReason);
        Assert.Contains("model_not_found", result.Reply.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("The model does not exist.", result.Reply.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_server_is_a_timeout_after_the_response_limit()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(async c =>
        {
            await c.NextAsync("response.create");
            await Task.Delay(Timeout.Infinite, server.Stopping);
        });
        await using var realtime = Provider(server, new LogCapture(), o => o with { ResponseTimeout = TimeSpan.FromMilliseconds(300) });

        var result = await RespondAsync(realtime, "s1");

        Assert.Equal("timeout", result.Reply.FailureReason);
        Assert.Contains("ResponseTimeoutMs", result.Reply.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_failure_threshold_the_circuit_skips_the_server_until_the_cool_down()
    {
        await using var server = RealtimeTestServer.Start();
        server.ThenRefuse(503).ThenRefuse(503);
        var time = new ManualTime();
        await using var realtime = Provider(server, new LogCapture(), o => o with { FailureThreshold = 2, CoolDown = TimeSpan.FromSeconds(30) }, time);

        Assert.Equal("http_503", (await RespondAsync(realtime, "s1")).Reply.FailureReason);
        Assert.Equal("http_503", (await RespondAsync(realtime, "s2")).Reply.FailureReason);
        Assert.Equal("circuit_open", (await RespondAsync(realtime, "s3")).Reply.FailureReason);
        Assert.Equal(2, server.Authorizations.Count); // the third turn never reached the server

        time.Advance(TimeSpan.FromSeconds(31));
        var probe = await RespondAsync(realtime, "s4");
        Assert.Null(probe.Reply.FailureReason);
        Assert.Equal(3, server.Authorizations.Count);
    }

    [Fact]
    public async Task A_bad_tool_call_runs_nothing_and_the_model_gets_the_error()
    {
        await using var server = RealtimeTestServer.Start();
        JsonElement? output = null;
        server.Then(async c =>
        {
            await c.NextAsync("response.create");
            output = await c.CallToolAsync("call_1", "SetVolume", """{"level":250}""");
            await c.NextAsync("response.create");
            await c.AnswerAsync(new byte[9600], "I cannot set it that loud.", null);
        });
        var publisher = new RecordingPublisher();
        using var intents = new IntentWorkflow(IntentsFile.Load(Path.Combine(TestPaths.Root, "config", "intents.json")), publisher);
        await using var realtime = Provider(server, new LogCapture(), intents: intents);

        var result = await RespondAsync(realtime, "s1");

        Assert.Null(result.Reply.FailureReason);
        Assert.Equal("I cannot set it that loud.", result.Reply.Text);
        var item = output!.Value.GetProperty("item");
        Assert.Contains("\"ok\":false", item.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.Contains("0-100", item.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.Equal(50, result.Turn.Appliance.Volume); // nothing ran
        Assert.Contains("realtime: cloud-realtime bad_tool_call", result.Turn.Workflow.Providers.FallbackReasons, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conversation_dropped_between_turns_fails_the_next_turn_of_that_session_only()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(async c =>
        {
            await c.NextAsync("response.create");
            await c.AnswerAsync(new byte[9600], "First.", "one");
            c.Drop();
        });
        server.AnswerText = "Again.";
        var log = new LogCapture();
        await using var realtime = Provider(server, log);

        Assert.Null((await RespondAsync(realtime, "s1")).Reply.FailureReason);
        var second = await RespondAsync(realtime, "s1");
        Assert.Equal("stream_cut", second.Reply.FailureReason);
        Assert.Equal(0, second.Turn.Plays);

        var next = await RespondAsync(realtime, "s2");
        Assert.Null(next.Reply.FailureReason);
        Assert.Equal("Again.", next.Reply.Text);
        Assert.Equal(2, server.Connections.Count);
        log.AssertNoSecret();
    }

    [Fact]
    public async Task A_new_session_opens_a_new_conversation_and_an_ended_one_is_closed()
    {
        await using var server = RealtimeTestServer.Start();
        await using var realtime = Provider(server, new LogCapture());

        Assert.Null((await RespondAsync(realtime, "a")).Reply.FailureReason);
        Assert.Null((await RespondAsync(realtime, "a")).Reply.FailureReason);
        Assert.Single(server.Connections);
        Assert.Null((await RespondAsync(realtime, "b")).Reply.FailureReason);
        Assert.Equal(2, server.Connections.Count);

        realtime.EndSession("b");
        var b = server.Connections.Last();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (b.Socket.State is System.Net.WebSockets.WebSocketState.Open && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.NotEqual(System.Net.WebSockets.WebSocketState.Open, b.Socket.State);
    }

    [Fact]
    public void The_realtime_section_is_read_with_its_limits_and_bad_values_are_named()
    {
        var c = ApplianceConfiguration.CreateDefault().LoadJson("""
            {
              "Cloud": { "Realtime": { "BaseUrl": "wss://api.openai.com/v1/realtime", "Model": "gpt-realtime", "ApiKeyFile": "openai",
                                       "Voice": "marin", "Instructions": "Be brief.", "ConnectTimeoutMs": 1500, "ResponseTimeoutMs": 6000,
                                       "MaxMessageKiB": 512, "FailureThreshold": 2, "CoolDownSeconds": 90, "FollowUp": false } }
            }
            """, s_noEnv);
        Assert.Empty(c.Issues);
        var r = c.Cloud.Realtime!;
        Assert.True(c.Cloud.Any);
        Assert.Equal(new Uri("wss://api.openai.com/v1/realtime?model=gpt-realtime"), r.ConnectUrl);
        Assert.Equal(("marin", "Be brief.", "openai"), (r.Voice, r.Instructions, r.ApiKeyFile));
        Assert.Equal((TimeSpan.FromMilliseconds(1500), TimeSpan.FromSeconds(6), 512 * 1024), (r.ConnectTimeout, r.ResponseTimeout, r.MaxMessageBytes));
        Assert.Equal((2, TimeSpan.FromSeconds(90), false), (r.FailureThreshold, r.CoolDown, r.FollowUp));
        Assert.Equal("cloud-realtime", r.ReportName);

        var bad = ApplianceConfiguration.CreateDefault().LoadJson("""
            { "Cloud": { "Realtime": { "BaseUrl": "https://api.openai.com/v1/realtime", "ApiKey": "sk-inline-secret", "TurnDetection": "semantic_vad" } } }
            """, s_noEnv);
        var errors = bad.Issues.Where(i => i.Severity == ConfigSeverity.Error).Select(i => i.Key).Order().ToList();
        Assert.Equal(["Cloud:Realtime:ApiKey", "Cloud:Realtime:BaseUrl", "Cloud:Realtime:Model", "Cloud:Realtime:TurnDetection"], errors);
        Assert.DoesNotContain(bad.Issues, i => i.ToString().Contains("sk-inline-secret", StringComparison.Ordinal));
        Assert.Contains(bad.Issues, i => i.Key == "Cloud:Realtime:BaseUrl" && i.Message.Contains("wss://", StringComparison.Ordinal));
    }

    [Fact]
    public void Config_check_names_a_missing_realtime_key_file_and_never_prints_a_key()
    {
        var dir = TestPaths.NewTempDirectory("realtime-check");
        try
        {
            var path = Path.Combine(dir, "appliance.json");
            File.WriteAllText(path, $$"""
                { "Cloud": { "Realtime": { "BaseUrl": "wss://api.openai.com/v1/realtime", "Model": "gpt-realtime", "ApiKeyFile": "{{Path.Combine(dir, "absent.key")}}" } } }
                """);
            var issues = ConfigCheck.Run(path, s_noEnv, portable: true);
            Assert.Contains(issues, i => i.Key == "Cloud:Realtime:ApiKeyFile" && i.Message.StartsWith("the key file", StringComparison.Ordinal) && i.Message.Contains("does not exist", StringComparison.Ordinal));

            File.WriteAllText(Path.Combine(dir, "absent.key"), CloudTestKit.Secret);
            issues = ConfigCheck.Run(path, s_noEnv, portable: true);
            Assert.DoesNotContain(issues, i => i.Key == "Cloud:Realtime:ApiKeyFile");
            using var printed = new StringWriter();
            ConfigCheck.Print(printed, path, issues);
            Assert.DoesNotContain(CloudTestKit.Secret, printed.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Without_the_realtime_section_the_engines_have_no_realtime_provider()
    {
        var intents = Path.Combine(TestPaths.Root, "config", "intents.json");
        var c = ApplianceConfiguration.CreateDefault().LoadJson($$"""
            { "Models": { "Directory": "{{TestPaths.Models.Replace("\\", "\\\\", StringComparison.Ordinal)}}", "Stt": "grammar" },
              "Workflow": { "Kind": "intents", "IntentsFile": "{{intents.Replace("\\", "\\\\", StringComparison.Ordinal)}}" } }
            """, s_noEnv);
        c.ThrowIfInvalid();
        using var engines = ApplianceEngines.Load(c, NullMessagePublisher.Instance, TimeProvider.System, new LogCapture());
        Assert.Null(engines.Realtime);
        Assert.Null(c.Cloud.Realtime);
    }

    [Fact]
    public async Task With_the_realtime_section_the_engines_hold_the_provider_with_the_intents_as_tools()
    {
        await using var server = RealtimeTestServer.Start();
        var key = CloudTestKit.KeyFile();
        var intentsFile = Path.Combine(TestPaths.Root, "config", "intents.json");
        var c = ApplianceConfiguration.CreateDefault().LoadJson($$"""
            { "Models": { "Directory": "{{TestPaths.Models.Replace("\\", "\\\\", StringComparison.Ordinal)}}", "Stt": "grammar" },
              "Workflow": { "Kind": "intents", "IntentsFile": "{{intentsFile.Replace("\\", "\\\\", StringComparison.Ordinal)}}" },
              "Cloud": { "Realtime": { "BaseUrl": "{{server.Url}}", "Model": "gpt-realtime", "ApiKeyFile": "{{key.Replace("\\", "\\\\", StringComparison.Ordinal)}}", "Name": "rt" } } }
            """, s_noEnv);
        c.ThrowIfInvalid();
        var log = new LogCapture();
        using var engines = ApplianceEngines.Load(c, NullMessagePublisher.Instance, TimeProvider.System, log);
        var realtime = Assert.IsType<RealtimeSpeech>(engines.Realtime);
        Assert.Equal("rt", realtime.Name);

        var turn = new RecordingTurn("s1");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reply = await realtime.RespondAsync("s1", s_utterance, 16000, turn, cts.Token);

        Assert.Null(reply.FailureReason);
        var update = Assert.Single(Assert.Single(server.Connections).Of("session.update")).GetProperty("session");
        var tools = update.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Equal(IntentsFile.Load(intentsFile).Intents.Count, tools.Count);
        Assert.Contains("ChangeLightState", tools);
        Assert.Equal("Bearer " + CloudTestKit.Secret, Assert.Single(server.Authorizations));
        log.AssertNoSecret();
    }

    private static RealtimeSpeech Provider(RealtimeTestServer server, LogCapture log, Func<RealtimeOptions, RealtimeOptions>? with = null, TimeProvider? time = null, IntentWorkflow? intents = null)
    {
        var options = new RealtimeOptions { BaseUrl = server.Url, Model = "gpt-realtime", ApiKeyFile = CloudTestKit.KeyFile(), FollowUp = false, ResponseTimeout = TimeSpan.FromSeconds(20) };
        options = with?.Invoke(options) ?? options;
        return new RealtimeSpeech(options, ApiKey.Load("Cloud:Realtime:ApiKeyFile", options.ApiKeyFile!), intents, time ?? TimeProvider.System, log.CreateLogger("realtime"));
    }

    private static async Task<(RealtimeReply Reply, RecordingTurn Turn)> RespondAsync(RealtimeSpeech realtime, string session)
    {
        var turn = new RecordingTurn(session);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reply = await realtime.RespondAsync(session, s_utterance, 16000, turn, cts.Token);
        return (reply, turn);
    }

    private static float[] Tone(int samples)
    {
        var tone = new float[samples];
        for (var i = 0; i < samples; i++)
        {
            tone[i] = 0.3f * MathF.Sin(2 * MathF.PI * 220 * i / 16000f);
        }

        return tone;
    }

    /// <summary>The pipeline's side of a turn, recorded.</summary>
    private sealed class RecordingTurn(string session) : IRealtimeTurn
    {
        public RecordingAppliance Appliance { get; } = new();

        private WorkflowTurn? _workflow;

        public WorkflowTurn Workflow => _workflow ??= new WorkflowTurn(session, 0, string.Empty, ReadOnlyMemory<float>.Empty, 16000, Appliance);

        public bool AudioStarted => Plays > 0;

        public int Plays { get; private set; }

        public void RequestSent()
        {
        }

        public void SpeechStarted()
        {
        }

        public bool ServerEndedTurn() => true;

        public void UserTranscript(string text)
        {
        }

        public void ReplyText(string delta)
        {
        }

        public ValueTask PlayAsync(ReadOnlyMemory<float> samples, int sampleRate, string itemId, CancellationToken cancellationToken)
        {
            Plays++;
            return ValueTask.CompletedTask;
        }

        public int HeardMilliseconds(string itemId) => 0;
    }

    /// <summary>A clock the test moves.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }
}
