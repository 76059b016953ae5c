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
            { "Cloud": { "Realtime": { "BaseUrl": "https://api.openai.com/v1/realtime", "ApiKey": "sk-inline-secret", "TurnDetection": "client_vad" } } }
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

    [Fact]
    public async Task Server_vad_streams_the_audio_as_it_comes_and_the_servers_speech_stopped_ends_the_turn()
    {
        await using var server = RealtimeTestServer.Start();
        var answer = new byte[24000];
        server.Then(c => c.ServerVadAsync((conn, _) => conn.AnswerServerTurnAsync(answer, "Hi.", "hello there")));
        var log = new LogCapture();
        await using var realtime = Provider(server, log, o => o with { TurnDetection = RealtimeOptions.ServerVad, VadSilenceDurationMs = 400, VadThreshold = 0.6, VadPrefixPaddingMs = 200 });
        var audio = new StreamedAudio().Silence(0.3).Speech(1.0).Silence(1.0); // never ended by the device

        var (reply, turn) = await ConverseAsync(realtime, "s1", audio);

        Assert.Null(reply.FailureReason);
        Assert.Equal("Hi.", reply.Text);
        Assert.Equal((1, 1), (turn.SpeechStarts, turn.ServerEnds));
        Assert.Equal(0, turn.Requests); // the server created the response: nothing was asked for
        Assert.Equal(["hello there"], turn.Transcripts);
        Assert.False(audio.DeviceEnded.IsCompleted);
        var connection = Assert.Single(server.Connections);
        Assert.Empty(connection.Violations);
        var detection = Assert.Single(connection.Of("session.update")).GetProperty("session").GetProperty("turn_detection");
        Assert.Equal("server_vad", detection.GetProperty("type").GetString());
        Assert.Equal(0.6, detection.GetProperty("threshold").GetDouble());
        Assert.Equal(200, detection.GetProperty("prefix_padding_ms").GetInt32());
        Assert.Equal(400, detection.GetProperty("silence_duration_ms").GetInt32());
        Assert.True(detection.GetProperty("create_response").GetBoolean());
        Assert.False(detection.TryGetProperty("eagerness", out _));

        // The speech went up in bounded appends while the source was still producing: the server heard it start
        // before the audio it stopped on had been captured.
        var appends = connection.Of("input_audio_buffer.append");
        Assert.InRange(appends.Count, 10, 60);
        Assert.All(appends, a => Assert.InRange(Convert.FromBase64String(a.GetProperty("audio").GetString()!).Length, 2, 4800));
        Assert.True(connection.SpeechStartedAtMs.Single() < connection.AppendedMsAtStop.Single() - 400);
        Assert.InRange(connection.SpeechStartedAtMs.Single(), 250, 400);
        log.AssertNoSecret();
    }

    [Fact]
    public async Task Semantic_vad_sends_its_eagerness_and_no_server_vad_fields()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(c => c.ServerVadAsync((conn, _) => conn.AnswerServerTurnAsync(new byte[4800], "Ok.", "fine")));
        await using var realtime = Provider(server, new LogCapture(), o => o with { TurnDetection = RealtimeOptions.SemanticVad, Eagerness = "low" });

        var (reply, _) = await ConverseAsync(realtime, "s1", new StreamedAudio().Silence(0.2).Speech(0.6).Silence(0.8));

        Assert.Null(reply.FailureReason);
        var detection = Assert.Single(server.Connections).Of("session.update").Single().GetProperty("session").GetProperty("turn_detection");
        Assert.Equal(("semantic_vad", "low"), (detection.GetProperty("type").GetString(), detection.GetProperty("eagerness").GetString()));
        Assert.False(detection.TryGetProperty("threshold", out _));
        Assert.False(detection.TryGetProperty("silence_duration_ms", out _));
        Assert.Equal(TimeSpan.FromSeconds(9), realtime.ServerTurnEndTimeout);
    }

    [Fact]
    public async Task A_server_that_never_ends_the_turn_fails_it_as_no_turn_end_when_the_device_gives_up()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(c => c.ServerVadAsync((_, _) => Task.CompletedTask, stopTurns: 0));
        var log = new LogCapture();
        await using var realtime = Provider(server, log, o => o with { TurnDetection = RealtimeOptions.ServerVad, TurnEndTimeout = TimeSpan.FromSeconds(1.5) });
        var audio = new StreamedAudio().Silence(0.2).Speech(0.8).Silence(0.5).ThenDeviceEnds(UtteranceEnd.Silence);

        var (reply, turn) = await ConverseAsync(realtime, "s1", audio);

        Assert.Equal("no_turn_end", reply.FailureReason);
        Assert.Contains("1500 ms of silence (TurnEndTimeoutMs)", reply.FailureMessage, StringComparison.Ordinal);
        Assert.Equal((1, 0, 0), (turn.SpeechStarts, turn.ServerEnds, turn.Plays));
        Assert.Empty(Assert.Single(server.Connections).Violations); // no commit or response.create: the device answers
        Assert.Contains(log.Lines, l => l.Contains("no_turn_end", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_released_button_in_a_server_mode_sends_the_rest_commits_and_asks_for_the_answer()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(async c =>
        {
            await c.NextAsync("input_audio_buffer.commit");
            await c.NextAsync("response.create");
            await c.AnswerAsync(new byte[4800], "Done.", "switch it off");
        });
        await using var realtime = Provider(server, new LogCapture(), o => o with { TurnDetection = RealtimeOptions.ServerVad });
        var audio = new StreamedAudio().Silence(0.1).Speech(0.5).ThenDeviceEnds(UtteranceEnd.Released);

        var (reply, turn) = await ConverseAsync(realtime, "s1", audio);

        Assert.Null(reply.FailureReason);
        Assert.Equal("Done.", reply.Text);
        Assert.Equal(1, turn.Requests);
        var connection = Assert.Single(server.Connections);
        var types = connection.Received.Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("input_audio_buffer.commit", types[types.LastIndexOf("input_audio_buffer.append") + 1]); // every sample before the commit
        Assert.Equal(0.6 * 24000 * 2, connection.AppendedBytes, 480.0);
    }

    [Fact]
    public async Task A_user_transcript_that_comes_after_the_answer_is_still_the_turns()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(c => c.ServerVadAsync((conn, _) => conn.AnswerServerTurnAsync(new byte[9600], "Sure.", "late words", lateUserText: true)));
        await using var realtime = Provider(server, new LogCapture(), o => o with { TurnDetection = RealtimeOptions.ServerVad });

        var (reply, turn) = await ConverseAsync(realtime, "s1", new StreamedAudio().Silence(0.2).Speech(0.6).Silence(0.8));

        Assert.Null(reply.FailureReason);
        Assert.Equal(["late words"], turn.Transcripts);
        Assert.Equal([turn.Plays], turn.TranscriptAfterPlays); // after all the answer's audio
    }

    [Fact]
    public async Task A_connection_dropped_while_streaming_fails_the_turn_before_any_answer()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(async c =>
        {
            await c.NextAsync("input_audio_buffer.append");
            c.Drop();
        });
        await using var realtime = Provider(server, new LogCapture(), o => o with { TurnDetection = RealtimeOptions.ServerVad });

        var (reply, turn) = await ConverseAsync(realtime, "s1", new StreamedAudio().Silence(0.2).Speech(0.6).Silence(3));

        Assert.Equal("stream_cut", reply.FailureReason);
        Assert.Equal(0, turn.Plays);
    }

    [Fact]
    public async Task An_error_event_while_the_user_speaks_fails_a_server_turn_with_its_code()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(async c =>
        {
            await c.NextAsync("input_audio_buffer.append");
            await c.SendAsync("""{"type":"error","error":{"type":"invalid_request_error","code":"invalid_audio","message":"Audio is not pcm16."}}""");
        });
        await using var realtime = Provider(server, new LogCapture(), o => o with { TurnDetection = RealtimeOptions.ServerVad });

        var (reply, turn) = await ConverseAsync(realtime, "s1", new StreamedAudio().Silence(0.2).Speech(0.6).Silence(3));

        Assert.Equal("server_error", reply.FailureReason);
        Assert.Contains("invalid_audio", reply.FailureMessage, StringComparison.Ordinal);
        Assert.Equal((0, 0), (turn.ServerEnds, turn.Plays));
    }

    [Fact]
    public async Task An_open_circuit_fails_a_server_turn_at_once_without_connecting()
    {
        await using var server = RealtimeTestServer.Start();
        server.ThenRefuse(503);
        await using var realtime = Provider(server, new LogCapture(), o => o with { TurnDetection = RealtimeOptions.SemanticVad, FailureThreshold = 1 });

        var (refused, _) = await ConverseAsync(realtime, "s1", new StreamedAudio().Silence(0.1).Speech(0.3));
        var (skipped, turn) = await ConverseAsync(realtime, "s2", new StreamedAudio().Silence(0.1).Speech(0.3));

        Assert.Equal("http_503", refused.FailureReason);
        Assert.Equal("circuit_open", skipped.FailureReason);
        Assert.Single(server.Authorizations); // the second turn never reached the server
        Assert.Equal((0, 0), (turn.SpeechStarts, turn.Plays));
    }

    [Fact]
    public void The_turn_detection_modes_and_their_options_are_validated()
    {
        var ok = ApplianceConfiguration.CreateDefault().LoadJson("""
            { "Cloud": { "Realtime": { "BaseUrl": "wss://api.openai.com/v1/realtime", "Model": "gpt-realtime", "TurnDetection": "server_vad",
                                       "VadThreshold": 0.7, "VadPrefixPaddingMs": 250, "VadSilenceDurationMs": 600, "TurnEndTimeoutMs": 4000 } } }
            """, s_noEnv);
        Assert.Empty(ok.Issues);
        var r = ok.Cloud.Realtime!;
        Assert.Equal(("server_vad", 0.7, 250, 600), (r.TurnDetection, r.VadThreshold, r.VadPrefixPaddingMs, r.VadSilenceDurationMs));
        Assert.Equal(TimeSpan.FromSeconds(4), r.EffectiveTurnEndTimeout);
        Assert.True(r.ServerTurns);

        var defaults = ApplianceConfiguration.CreateDefault().LoadJson("""
            { "Cloud": { "Realtime": { "BaseUrl": "wss://api.openai.com/v1/realtime", "Model": "gpt-realtime", "TurnDetection": "Server_VAD" } } }
            """, s_noEnv).Cloud.Realtime!;
        Assert.Equal(("server_vad", TimeSpan.FromMilliseconds(2500)), (defaults.TurnDetection, defaults.EffectiveTurnEndTimeout));

        var bad = ApplianceConfiguration.CreateDefault().LoadJson("""
            { "Cloud": { "Realtime": { "BaseUrl": "wss://api.openai.com/v1/realtime", "Model": "gpt-realtime", "TurnDetection": "semantic_vad",
                                       "VadThreshold": 0.7, "Eagerness": "eager", "TurnEndTimeoutMs": 100 } } }
            """, s_noEnv);
        var errors = bad.Issues.Where(i => i.Severity == ConfigSeverity.Error).ToList();
        Assert.Equal(["Cloud:Realtime:Eagerness", "Cloud:Realtime:TurnEndTimeoutMs", "Cloud:Realtime:VadThreshold"], errors.Select(i => i.Key).Order().ToList());
        Assert.Contains(errors, i => i.Key.EndsWith("VadThreshold", StringComparison.Ordinal) && i.Message.Contains("only to TurnDetection 'server_vad'", StringComparison.Ordinal));
        Assert.Contains(errors, i => i.Key.EndsWith("Eagerness", StringComparison.Ordinal) && i.Message.Contains("low", StringComparison.Ordinal));

        var device = ApplianceConfiguration.CreateDefault().LoadJson("""
            { "Cloud": { "Realtime": { "BaseUrl": "wss://api.openai.com/v1/realtime", "Model": "gpt-realtime", "Eagerness": "low", "TurnEndTimeoutMs": 3000 } } }
            """, s_noEnv);
        Assert.Equal(["Cloud:Realtime:Eagerness", "Cloud:Realtime:TurnEndTimeoutMs"], device.Issues.Where(i => i.Severity == ConfigSeverity.Error).Select(i => i.Key).Order().ToList());
        Assert.False(device.Cloud.Realtime!.ServerTurns);
        Assert.Null(new RealtimeSpeech(device.Cloud.Realtime, null, null, TimeProvider.System, new LogCapture().CreateLogger("rt")).ServerTurnEndTimeout);
    }

    private static async Task<(RealtimeReply Reply, RecordingTurn Turn)> ConverseAsync(RealtimeSpeech realtime, string session, StreamedAudio audio)
    {
        var turn = new RecordingTurn(session);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var feeding = audio.FeedAsync(cts.Token);
        var reply = await realtime.ConverseAsync(session, audio, 16000, turn, cts.Token);
        await cts.CancelAsync();
        await feeding;
        return (reply, turn);
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
        private readonly Dictionary<string, int> _played = [];

        public RecordingAppliance Appliance { get; } = new();

        private WorkflowTurn? _workflow;

        public WorkflowTurn Workflow => _workflow ??= new WorkflowTurn(session, 0, string.Empty, ReadOnlyMemory<float>.Empty, 16000, Appliance);

        public bool AudioStarted => Plays > 0;

        public int Plays { get; private set; }

        public int Requests { get; private set; }

        public int SpeechStarts { get; private set; }

        public int ServerEnds { get; private set; }

        public List<string> Transcripts { get; } = [];

        /// <summary>Plays when each user transcript came.</summary>
        public List<int> TranscriptAfterPlays { get; } = [];

        public void RequestSent() => Requests++;

        public void SpeechStarted() => SpeechStarts++;

        public bool ServerEndedTurn()
        {
            ServerEnds++;
            return true;
        }

        public void UserTranscript(string text)
        {
            Transcripts.Add(text);
            TranscriptAfterPlays.Add(Plays);
        }

        public void ReplyText(string delta)
        {
        }

        public ValueTask PlayAsync(ReadOnlyMemory<float> samples, int sampleRate, string itemId, CancellationToken cancellationToken)
        {
            Plays++;
            _played[itemId] = _played.GetValueOrDefault(itemId) + (samples.Length * 1000 / sampleRate);
            return ValueTask.CompletedTask;
        }

        /// <summary>A speaker that plays at once: everything written was heard.</summary>
        public int HeardMilliseconds(string itemId) => _played.GetValueOrDefault(itemId);
    }

    /// <summary>
    /// A listening turn's audio as the pipeline's ring would give it: 32 ms windows at (twice) real time, tone for
    /// speech, then optionally the device's end of listening.
    /// </summary>
    private sealed class StreamedAudio : IRealtimeAudioSource
    {
        private readonly List<float> _script = [];
        private readonly System.Threading.Channels.Channel<float[]> _windows = System.Threading.Channels.Channel.CreateUnbounded<float[]>();
        private readonly TaskCompletionSource<UtteranceEnd> _deviceEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private float[] _pending = [];
        private int _pendingAt;
        private UtteranceEnd? _end;

        public long DroppedSamples => 0;

        public Task<UtteranceEnd> DeviceEnded => _deviceEnded.Task;

        public StreamedAudio Silence(double seconds)
        {
            _script.AddRange(new float[(int)(seconds * 16000)]);
            return this;
        }

        public StreamedAudio Speech(double seconds)
        {
            _script.AddRange(Tone((int)(seconds * 16000)));
            return this;
        }

        public StreamedAudio ThenDeviceEnds(UtteranceEnd how)
        {
            _end = how;
            return this;
        }

        public async Task FeedAsync(CancellationToken cancellationToken)
        {
            try
            {
                for (var at = 0; at < _script.Count; at += 512)
                {
                    _windows.Writer.TryWrite([.. _script.Skip(at).Take(512)]);
                    await Task.Delay(16, cancellationToken);
                }

                if (_end is { } how)
                {
                    _windows.Writer.TryComplete();
                    _deviceEnded.TrySetResult(how);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask<int> ReadAsync(Memory<float> buffer, int minimum, CancellationToken cancellationToken)
        {
            var n = 0;
            while (n < Math.Min(minimum, buffer.Length))
            {
                if (_pendingAt == _pending.Length)
                {
                    if (!await _windows.Reader.WaitToReadAsync(cancellationToken) || !_windows.Reader.TryRead(out var next))
                    {
                        return n;
                    }

                    (_pending, _pendingAt) = (next, 0);
                }

                var take = Math.Min(buffer.Length - n, _pending.Length - _pendingAt);
                _pending.AsSpan(_pendingAt, take).CopyTo(buffer.Span[n..]);
                (_pendingAt, n) = (_pendingAt + take, n + take);
            }

            return n;
        }
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
