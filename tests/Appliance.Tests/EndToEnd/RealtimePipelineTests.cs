using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using VoiceAppliance.Cloud;
using VoiceAppliance.Hosting;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;
using VoiceAppliance.Tests.Cloud;
using VoiceAppliance.Tests.Mqtt;
using VoiceAppliance.Workflows;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>
/// The realtime speech-to-speech mode in the real pipeline (ALSA file PCMs, Silero VAD ending the utterance, the
/// grammar STT, the intents and Piper as the local path) against a local Realtime WebSocket server: a whole turn, a
/// barge-in truncating the answer to what was heard, a tool call publishing to a real mosquitto, and the fallback to
/// the local path when the server cannot be reached or drops the connection mid-session.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RealtimePipelineTests(EndToEndFixture engines, ITestOutputHelper output)
{
    private const string Question = "What is the weather like today?";
    private const string Answer = "It is sunny and warm. A good day for a walk.";

    [Fact]
    public async Task A_turn_goes_up_as_audio_and_the_answer_is_played_as_it_arrives()
    {
        await using var server = RealtimeTestServer.Start();
        var answerPcm = CloudProviderTests.Pcm24k(engines, Answer);
        server.AnswerAudio = answerPcm;
        server.AnswerText = Answer;
        server.UserText = Question;
        var log = new LogCapture();
        var key = CloudTestKit.KeyFile();

        var result = await RunAsync(server.Url, log, Recording(Question), key: key);

        Assert.Empty(result.Errors);
        var session = Assert.Single(result.Sessions);
        Assert.Equal(SessionEndReason.Nominal, session.Reason);
        var turn = Assert.Single(result.Turns);
        Assert.Equal(Question, turn.Transcript);
        Assert.Equal(Answer, turn.ReplyText);
        Assert.False(turn.Interrupted);
        Assert.Equal("realtime=cloud-realtime", turn.Metrics.Provider);
        Assert.Null(turn.Metrics.FallbackReason);
        Assert.NotNull(turn.Metrics.EndOfSpeechToFirstAudioMs);
        Assert.Null(turn.Metrics.SttRealTimeFactor); // no local engine ran: no factor, not a 0
        Assert.Null(turn.Metrics.TtsRealTimeFactor);
        Assert.Equal("cloud-realtime", result.Events.OfType<TranscriptEvent>().Single(t => t.IsFinal).Engine);
        Assert.Equal(
            ["Idle->Listening", "Listening->Transcribing", "Transcribing->Thinking", "Thinking->Speaking", "Speaking->Idle"],
            result.Transitions);

        // The server got one conversation: the session configuration, the utterance at 24 kHz, a commit, a response request.
        var connection = Assert.Single(server.Connections);
        Assert.Contains("model=gpt-realtime", connection.Query, StringComparison.Ordinal);
        Assert.Equal("Bearer " + CloudTestKit.Secret, Assert.Single(server.Authorizations));
        var update = Assert.Single(connection.Of("session.update")).GetProperty("session");
        Assert.Equal(JsonValueKind.Null, update.GetProperty("turn_detection").ValueKind);
        Assert.Equal("pcm16", update.GetProperty("input_audio_format").GetString());
        Assert.Equal("verse", update.GetProperty("voice").GetString());
        Assert.Equal(engines.Intents.Intents.Count, update.GetProperty("tools").GetArrayLength());
        var types = connection.Received.Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("session.update", types[0]);
        Assert.Equal(["input_audio_buffer.commit", "response.create"], types.Where(t => t is not ("session.update" or "input_audio_buffer.append")).ToList());
        var upSeconds = connection.AppendedBytes / 2 / 24000.0;
        var speechSeconds = engines.Speech(Question).Length / 16000.0;
        output.WriteLine($"sent {upSeconds:F2} s of audio for {speechSeconds:F2} s of speech");
        Assert.InRange(upSeconds, speechSeconds, speechSeconds + 3);

        // What reached the speaker is the answer's audio, all of it (24 kHz, resampled by the playback).
        var sent = answerPcm.Length / 2 / 24000.0;
        output.WriteLine($"answer {sent:F2} s, speaker {result.Speaker.Duration.TotalSeconds:F2} s");
        Assert.InRange(result.Speaker.Duration.TotalSeconds, sent * 0.97, (sent * 1.03) + 0.1);
        log.AssertNoSecret();
        Assert.DoesNotContain(result.Events, e => PipelineEventPayload.ToJson(e).Contains(CloudTestKit.Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_barge_in_stops_the_answer_and_truncates_it_to_what_was_heard()
    {
        await using var server = RealtimeTestServer.Start();
        var story = CloudProviderTests.Pcm24k(engines, EndToEndFixture.StoryReply);
        var light = CloudProviderTests.Pcm24k(engines, "Turning off the bedroom light.");
        string? storyItem = null;
        server.Then(async c =>
        {
            await c.NextAsync("response.create");
            storyItem = await c.AnswerAsync(story, EndToEndFixture.StoryReply, "tell me a story");
            await c.NextAsync("conversation.item.truncate");
            await c.NextAsync("response.create");
            await c.AnswerAsync(light, "Turning off the bedroom light.", "turn off the bedroom light");
        });
        var bargedIn = 0;
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.5)
            .Say("Tell me a story.", engines.Speech("Tell me a story."))
            .Noise(1.2)
            .Cue("barge in while the answer plays", async c =>
            {
                await c.WaitForStateAsync(PipelineState.Speaking);
                await Task.Delay(800);
                Interlocked.Exchange(ref bargedIn, 1);
                c.Pipeline.Tap(); // the button while the device speaks: hard cut
            })
            .Noise(0.6)
            .Say("Turn off the bedroom light.", engines.Speech("Turn off the bedroom light."))
            .Noise(2.5);
        var log = new LogCapture();

        var result = await RunAsync(server.Url, log, recording, speakerSpeed: 1);

        Assert.Equal(1, bargedIn);
        Assert.Empty(result.Errors);
        var session = Assert.Single(result.Sessions);
        Assert.Equal(2, session.Turns);
        var cut = result.Turns[0];
        Assert.True(cut.Interrupted);
        Assert.Equal("tell me a story", cut.Transcript);
        var heard = cut.Metrics.HeardBeforeBargeIn;
        Assert.NotNull(heard);
        var second = result.Turns[1];
        Assert.Equal("Turning off the bedroom light.", second.ReplyText);
        Assert.False(second.Interrupted);

        // The server was told to stop and to forget what was not heard: exactly the audio the speaker reported played.
        var connection = Assert.Single(server.Connections);
        var types = connection.Received.Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.True(types.IndexOf("response.cancel") >= 0 && types.IndexOf("response.cancel") < types.IndexOf("conversation.item.truncate"), string.Join(", ", types));
        var truncate = Assert.Single(connection.Of("conversation.item.truncate"));
        Assert.Equal(storyItem, truncate.GetProperty("item_id").GetString());
        Assert.Equal(0, truncate.GetProperty("content_index").GetInt32());
        var endMs = truncate.GetProperty("audio_end_ms").GetInt32();
        output.WriteLine($"heard {heard!.Value.TotalMilliseconds:F0} ms of {story.Length / 48.0:F0} ms; truncated at {endMs} ms");
        Assert.InRange(endMs, (int)heard.Value.TotalMilliseconds - 1, (int)heard.Value.TotalMilliseconds + 1);
        Assert.InRange(endMs, 1, (story.Length / 48) - 1); // something was heard, not all of it

        // The speaker holds the part of the story heard, then the whole second answer.
        var lightSeconds = light.Length / 2 / 24000.0;
        Assert.InRange(result.Speaker.Duration.TotalSeconds, heard.Value.TotalSeconds + (lightSeconds * 0.9), heard.Value.TotalSeconds + lightSeconds + 0.6);
        log.AssertNoSecret();
    }

    [RequiresProgramFact("mosquitto")]
    public async Task A_tool_call_runs_the_intent_which_publishes_to_a_real_broker_and_the_answer_follows()
    {
        using var broker = MosquittoBroker.Start();
        var stateDir = MqttTestOptions.NewStateDir();
        using var peer = new TestPeer(broker.Port, null, true, "home/#");
        var service = new MqttService(MqttTestOptions.For(broker, stateDir), new RecordingHandler(), new ListLogger());
        await service.StartAsync(CancellationToken.None);
        await using var server = RealtimeTestServer.Start();
        const string spoken = "The living room light is on now.";
        var pcm = CloudProviderTests.Pcm24k(engines, spoken);
        JsonElement? toolOutput = null;
        server.Then(async c =>
        {
            await c.NextAsync("response.create");
            toolOutput = await c.CallToolAsync("call_abc", "ChangeLightState", """{"state":"on","room":"Living Room"}""");
            await c.NextAsync("response.create");
            await c.AnswerAsync(pcm, spoken, "could you light up the living room please");
        });
        try
        {
            using var intents = new IntentWorkflow(engines.Intents, new MqttMessagePublisher { Target = service });
            var log = new LogCapture();

            var result = await RunAsync(server.Url, log, Recording("Could you light up the living room please?"), intents: intents);

            Assert.Empty(result.Errors);
            var turn = Assert.Single(result.Turns);
            Assert.Equal("ChangeLightState", turn.Intent);
            Assert.Equal(spoken, turn.ReplyText);
            Assert.Equal("on", peer.WaitFor("home/living room/light/set", null, 20).Text);
            var item = toolOutput!.Value.GetProperty("item");
            Assert.Equal("function_call_output", item.GetProperty("type").GetString());
            Assert.Equal("call_abc", item.GetProperty("call_id").GetString());
            Assert.Contains("Turning on the living room light.", item.GetProperty("output").GetString(), StringComparison.Ordinal);
            Assert.Equal(2, Assert.Single(server.Connections).Of("response.create").Count); // the answer after the tool's output
            Assert.InRange(result.Speaker.Duration.TotalSeconds, pcm.Length / 2 / 24000.0 * 0.97, (pcm.Length / 2 / 24000.0 * 1.03) + 0.1);
            log.AssertNoSecret();
        }
        finally
        {
            await service.DisposeAsync();
            Directory.Delete(stateDir, true);
        }
    }

    [Fact]
    public async Task When_the_server_cannot_be_reached_the_turn_is_answered_on_the_device_and_reported()
    {
        var closed = ClosedPort();
        var log = new LogCapture();

        var result = await RunAsync(new Uri($"ws://127.0.0.1:{closed}/v1/realtime"), log, Recording("Turn off the bedroom light."), key: CloudTestKit.KeyFile());

        Assert.Empty(result.Errors);
        Assert.Equal(SessionEndReason.Nominal, Assert.Single(result.Sessions).Reason);
        var turn = Assert.Single(result.Turns);
        Assert.Equal("turn off the bedroom light", turn.Transcript);
        Assert.Equal("ChangeLightState", turn.Intent);
        Assert.Equal("Turning off the bedroom light.", turn.ReplyText);
        Assert.Equal([("home/bedroom/light/set", "off")], result.Published);
        Assert.Equal("realtime: cloud-realtime connect_failed -> local", turn.Metrics.FallbackReason);
        Assert.StartsWith("realtime=local stt=", turn.Metrics.Provider, StringComparison.Ordinal);
        Assert.InRange(result.Speaker.Duration.TotalSeconds, engines.ReplySeconds("Turning off the bedroom light.") * 0.9, 10);
        Assert.Contains(log.Lines, l => l.Contains("connect_failed", StringComparison.Ordinal));
        log.AssertNoSecret();
    }

    [Fact]
    public async Task A_refused_key_falls_back_with_the_http_status()
    {
        await using var server = RealtimeTestServer.Start();
        server.ThenRefuse(401);
        var log = new LogCapture();

        var result = await RunAsync(server.Url, log, Recording("Turn off the bedroom light."), key: CloudTestKit.KeyFile());

        var turn = Assert.Single(result.Turns);
        Assert.Equal("ChangeLightState", turn.Intent);
        Assert.Equal("realtime: cloud-realtime http_401 -> local", turn.Metrics.FallbackReason);
        Assert.Empty(server.Connections);
        log.AssertNoSecret();
    }

    [Fact]
    public async Task A_connection_dropped_mid_answer_ends_that_answer_and_leaves_the_next_turns_to_the_device()
    {
        await using var server = RealtimeTestServer.Start();
        var answerPcm = CloudProviderTests.Pcm24k(engines, Answer);
        server.Then(async c =>
        {
            await c.NextAsync("response.create");
            await c.AnswerAsync(answerPcm, Answer, Question);
            await c.NextAsync("response.create");
            await c.AnswerAsync(answerPcm, Answer, "how about tomorrow", chunkBytes: 4800, stopAfterChunks: 3);
            c.Drop(); // the rest of the second answer never comes
        });
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.5)
            .Say(Question, engines.Speech(Question))
            .Noise(1.5)
            .Cue("wait for the follow-up turn", c => WaitForTurnAsync(c, 1))
            .Noise(0.5)
            .Say("How about tomorrow?", engines.Speech("How about tomorrow?"))
            .Noise(1.5)
            .Cue("wait for the next follow-up turn", c => WaitForTurnAsync(c, 2))
            .Noise(0.5)
            .Say("Turn on the kitchen light.", engines.Speech("Turn on the kitchen light."))
            .Noise(3.0);
        var log = new LogCapture();

        var result = await RunAsync(server.Url, log, recording, followUp: true, onEvent: e =>
        {
            if (e is TurnStartedEvent)
            {
                Interlocked.Increment(ref _turnsStarted);
            }
        });

        Assert.Empty(result.Errors);
        Assert.Single(result.Sessions);
        Assert.True(result.Turns.Count == 3, string.Join("; ", result.Turns.Select(t => $"{t.Transcript} -> {t.ReplyText} ({t.Metrics.FallbackReason})")));
        Assert.Equal(Answer, result.Turns[0].ReplyText);
        Assert.Equal("realtime=cloud-realtime", result.Turns[0].Metrics.Provider);
        var cut = result.Turns[1];
        Assert.Equal("how about tomorrow", cut.Transcript);
        Assert.StartsWith("It is sunny", cut.ReplyText, StringComparison.Ordinal);
        Assert.NotEqual(Answer, cut.ReplyText);
        Assert.Equal("realtime: cloud-realtime stream_cut mid-answer -> local for the next turns", cut.Metrics.FallbackReason);
        var local = result.Turns[2];
        Assert.Equal("turn on the kitchen light", local.Transcript);
        Assert.Equal("ChangeLightState", local.Intent);
        Assert.Null(local.Metrics.FallbackReason); // the session already left the realtime mode: no new attempt
        Assert.DoesNotContain("realtime", local.Metrics.Provider ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal([("home/kitchen/light/set", "on")], result.Published);
        Assert.Single(server.Connections);
        log.AssertNoSecret();
    }

    [Fact]
    public async Task With_server_vad_the_microphone_goes_up_while_the_user_speaks_and_the_servers_turn_end_is_the_turns()
    {
        await using var server = RealtimeTestServer.Start();
        var answerPcm = CloudProviderTests.Pcm24k(engines, Answer);
        server.Then(c => c.ServerVadAsync((conn, _) => conn.AnswerServerTurnAsync(answerPcm, Answer, Question)));
        var speech = engines.Speech(Question);
        var half = speech.Length / 2;
        var appendedMidSpeech = -1.0;
        var stateMidSpeech = PipelineState.Idle;
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.5)
            .Say(Question, speech[..half])
            .Cue("half of the question said: the server has part of it already", async c =>
            {
                // The microphone is held here, mid-sentence: only audio streamed as captured can have reached the server.
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (DateTime.UtcNow < deadline && (server.Connections.IsEmpty || server.Connections.Single().AppendedBytes / 48000.0 < half / 16000.0 * 0.5))
                {
                    await Task.Delay(10);
                }

                appendedMidSpeech = server.Connections.IsEmpty ? 0 : server.Connections.Single().AppendedBytes / 48000.0;
                stateMidSpeech = c.Pipeline.State;
            })
            .Say("(the rest)", speech[half..])
            .Noise(3.0);
        var log = new LogCapture();

        var result = await RunAsync(server.Url, log, recording, key: CloudTestKit.KeyFile(), with: o => o with { TurnDetection = RealtimeOptions.ServerVad, VadSilenceDurationMs = 500 });

        output.WriteLine($"appended mid-speech: {appendedMidSpeech:F2} s of {half / 16000.0:F2} s said");
        Assert.InRange(appendedMidSpeech, half / 16000.0 * 0.5, half / 16000.0 + 0.5);
        Assert.Equal(PipelineState.Listening, stateMidSpeech);
        Assert.Empty(result.Errors);
        Assert.Equal(SessionEndReason.Nominal, Assert.Single(result.Sessions).Reason);
        var turn = Assert.Single(result.Turns);
        Assert.Equal(Question, turn.Transcript);
        Assert.Equal(Answer, turn.ReplyText);
        Assert.Equal(UtteranceEnd.Server, turn.Metrics.UtteranceEnd);
        Assert.Equal("realtime=cloud-realtime", turn.Metrics.Provider);
        Assert.Null(turn.Metrics.FallbackReason);
        Assert.NotNull(turn.Metrics.EndOfSpeechToFirstAudioMs);
        Assert.Equal(
            ["Idle->Listening", "Listening->Transcribing", "Transcribing->Thinking", "Thinking->Speaking", "Speaking->Idle"],
            result.Transitions);

        var connection = Assert.Single(server.Connections);
        Assert.Empty(connection.Violations); // no commit, no response.create: the server ended the turn and answered
        Assert.Empty(connection.Of("input_audio_buffer.commit"));
        Assert.Empty(connection.Of("response.create"));
        Assert.Equal("server_vad", connection.Of("session.update").Single().GetProperty("session").GetProperty("turn_detection").GetProperty("type").GetString());
        var upSeconds = connection.AppendedBytes / 48000.0;
        output.WriteLine($"streamed {upSeconds:F2} s for {speech.Length / 16000.0:F2} s of speech; server VAD: speech at {connection.SpeechStartedAtMs.Single():F0} ms, stop with {connection.AppendedMsAtStop.Single():F0} ms up");
        Assert.InRange(upSeconds, speech.Length / 16000.0, (speech.Length / 16000.0) + 2.5);
        var sent = answerPcm.Length / 2 / 24000.0;
        Assert.InRange(result.Speaker.Duration.TotalSeconds, sent * 0.97, (sent * 1.03) + 0.1);
        log.AssertNoSecret();
    }

    [Fact]
    public async Task A_server_that_never_ends_the_turn_is_given_up_on_after_the_turn_end_timeout_and_the_device_answers()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(c => c.ServerVadAsync((_, _) => Task.CompletedTask, stopTurns: 0));
        var log = new LogCapture();

        var result = await RunAsync(server.Url, log, Recording("Turn off the bedroom light."), with: o => o with { TurnDetection = RealtimeOptions.ServerVad, TurnEndTimeout = TimeSpan.FromSeconds(1.2) });

        Assert.Empty(result.Errors);
        var turn = Assert.Single(result.Turns);
        Assert.Equal("turn off the bedroom light", turn.Transcript);
        Assert.Equal("ChangeLightState", turn.Intent);
        Assert.Equal([("home/bedroom/light/set", "off")], result.Published);
        Assert.Equal("realtime: cloud-realtime no_turn_end -> local", turn.Metrics.FallbackReason);
        Assert.Equal(UtteranceEnd.Silence, turn.Metrics.UtteranceEnd);
        Assert.InRange(turn.Metrics.TrailingSilence.TotalSeconds, 1.2, 1.5); // the safety net, not the 0.7 s endpoint
        var connection = Assert.Single(server.Connections);
        Assert.Single(connection.SpeechStartedAtMs);
        Assert.Empty(connection.Violations);
        Assert.Contains(log.Lines, l => l.Contains("no_turn_end", StringComparison.Ordinal) && l.Contains("TurnEndTimeoutMs", StringComparison.Ordinal));
        log.AssertNoSecret();
    }

    [Fact]
    public async Task A_connection_dropped_while_streaming_leaves_the_same_utterance_to_the_device()
    {
        await using var server = RealtimeTestServer.Start();
        server.Then(async c =>
        {
            await c.NextAsync("input_audio_buffer.append");
            c.Drop();
        });
        var log = new LogCapture();

        var result = await RunAsync(server.Url, log, Recording("Turn on the kitchen light."), with: o => o with { TurnDetection = RealtimeOptions.SemanticVad });

        Assert.Empty(result.Errors);
        var turn = Assert.Single(result.Turns);
        Assert.Equal("turn on the kitchen light", turn.Transcript);
        Assert.Equal([("home/kitchen/light/set", "on")], result.Published);
        Assert.Equal("realtime: cloud-realtime stream_cut -> local", turn.Metrics.FallbackReason);
        // The device ended it as on the local path: at its own 0.7 s of silence, or earlier on a complete command
        // (the session left the realtime mode, so the local early endpoint is back).
        Assert.Contains(turn.Metrics.UtteranceEnd, new[] { UtteranceEnd.Silence, UtteranceEnd.EarlyEndpoint });
        log.AssertNoSecret();
    }

    [Fact]
    public async Task A_late_user_transcript_is_still_reported_in_the_turn()
    {
        await using var server = RealtimeTestServer.Start();
        var answerPcm = CloudProviderTests.Pcm24k(engines, "Yes.");
        server.Then(c => c.ServerVadAsync((conn, _) => conn.AnswerServerTurnAsync(answerPcm, "Yes.", Question, lateUserText: true)));
        var log = new LogCapture();

        var result = await RunAsync(server.Url, log, Recording(Question), with: o => o with { TurnDetection = RealtimeOptions.ServerVad });

        Assert.Empty(result.Errors);
        var turn = Assert.Single(result.Turns);
        Assert.Equal(Question, turn.Transcript);
        var events = result.Events.ToList();
        var transcript = events.FindIndex(e => e is TranscriptEvent { IsFinal: true });
        var speaking = events.FindIndex(e => e is StateChangedEvent { To: PipelineState.Speaking });
        Assert.True(transcript > speaking && speaking >= 0, "the transcript came after the answer started");
        Assert.True(transcript < events.FindIndex(e => e is TurnEndedEvent));
    }

    [Fact]
    public async Task The_servers_speech_started_over_the_answer_is_a_barge_in_that_truncates_it_to_what_was_heard()
    {
        await using var server = RealtimeTestServer.Start();
        var story = CloudProviderTests.Pcm24k(engines, EndToEndFixture.StoryReply);
        var light = CloudProviderTests.Pcm24k(engines, "Turning off the bedroom light.");
        server.Then(c => c.ServerVadAsync((conn, turn) => turn == 0
            ? conn.AnswerServerTurnAsync(story, EndToEndFixture.StoryReply, "tell me a story")
            : conn.AnswerServerTurnAsync(light, "Turning off the bedroom light.", "turn off the bedroom light")));
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.5)
            .Say("Tell me a story.", engines.Speech("Tell me a story."))
            .Noise(1.2)
            .Cue("speak over the answer", async c =>
            {
                await c.WaitForStateAsync(PipelineState.Speaking);
                await Task.Delay(800);
            })
            .Noise(0.3)
            .Say("Turn off the bedroom light.", engines.Speech("Turn off the bedroom light."))
            .Noise(2.5);
        // Echo-cancelled input streams while the device speaks; the device's own speech barge-in needs 3 s of unbroken speech,
        // so only the server's speech_started can cut the answer.
        var pipeline = new PipelineOptions { BargeIn = new BargeInOptions { Mode = BargeInMode.HardCut, EchoCancelled = true, ConfirmSpeech = TimeSpan.FromSeconds(3) } };
        var log = new LogCapture();

        var result = await RunAsync(server.Url, log, recording, speakerSpeed: 1, with: o => o with { TurnDetection = RealtimeOptions.ServerVad }, pipeline: pipeline);

        foreach (var t in result.Turns)
        {
            output.WriteLine($"turn {t.TurnIndex}: '{t.Transcript}' -> '{t.ReplyText}' interrupted {t.Interrupted}, end {t.Metrics.UtteranceEnd}, {t.Metrics.Provider} {t.Metrics.FallbackReason}");
        }

        output.WriteLine(string.Join(", ", Assert.Single(server.Connections).Received.Select(e => e.GetProperty("type").GetString()).Where(t => t != "input_audio_buffer.append")));
        output.WriteLine($"appended {Assert.Single(server.Connections).AppendedBytes / 48000.0:F2} s; speech started at {string.Join(", ", server.Connections.Single().SpeechStartedAtMs)} ms; stops at {string.Join(", ", server.Connections.Single().AppendedMsAtStop)}");
        Assert.Empty(result.Errors);
        Assert.Equal(2, Assert.Single(result.Sessions).Turns);
        var cut = result.Turns[0];
        Assert.True(cut.Interrupted);
        Assert.Equal("tell me a story", cut.Transcript);
        var heard = cut.Metrics.HeardBeforeBargeIn;
        Assert.NotNull(heard);
        var second = result.Turns[1];
        Assert.Equal("turn off the bedroom light", second.Transcript);
        Assert.Equal("Turning off the bedroom light.", second.ReplyText);
        Assert.Equal(UtteranceEnd.Server, second.Metrics.UtteranceEnd);

        var connection = Assert.Single(server.Connections);
        Assert.Equal(2, connection.SpeechStartedAtMs.Count);
        Assert.Empty(connection.Violations);
        var truncate = Assert.Single(connection.Of("conversation.item.truncate"));
        Assert.Equal("item_1", truncate.GetProperty("item_id").GetString());
        var endMs = truncate.GetProperty("audio_end_ms").GetInt32();
        output.WriteLine($"heard {heard!.Value.TotalMilliseconds:F0} ms of {story.Length / 48.0:F0} ms; truncated at {endMs} ms");
        Assert.InRange(endMs, (int)heard.Value.TotalMilliseconds - 1, (int)heard.Value.TotalMilliseconds + 1);
        Assert.InRange(endMs, 1, (story.Length / 48) - 1);
        log.AssertNoSecret();
    }

    private int _turnsStarted;

    /// <summary>Holds the microphone until turn <paramref name="index"/> listens.</summary>
    private async Task WaitForTurnAsync(CueContext c, int index)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Volatile.Read(ref _turnsStarted) <= index)
        {
            Assert.True(DateTime.UtcNow < deadline, $"turn {index} did not start within 60 s");
            await Task.Delay(5);
        }

        await c.WaitForStateAsync(PipelineState.Listening);
    }

    private ScriptedRecording Recording(string utterance) => new ScriptedRecording()
        .Noise(0.5).TapWhenIdle().Noise(0.5)
        .Say(utterance, engines.Speech(utterance))
        .Noise(3.0);

    private async Task<RigResult> RunAsync(Uri url, LogCapture log, ScriptedRecording recording, string? key = null, IntentWorkflow? intents = null, bool followUp = false, double speakerSpeed = 4, Action<PipelineEvent>? onEvent = null, Func<RealtimeOptions, RealtimeOptions>? with = null, PipelineOptions? pipeline = null)
    {
        var options = new RealtimeOptions
        {
            BaseUrl = url,
            Model = "gpt-realtime",
            Voice = "verse",
            ApiKeyFile = key,
            FollowUp = followUp,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ResponseTimeout = TimeSpan.FromSeconds(20),
        };
        options = with?.Invoke(options) ?? options;
        var apiKey = key is null ? null : ApiKey.Load("Cloud:Realtime:ApiKeyFile", key);
        RealtimeSpeech? realtime = null;
        try
        {
            return await EndToEndRig.RunAsync(
                engines,
                recording,
                new RigOptions
                {
                    Pipeline = pipeline ?? new PipelineOptions(),
                    MicSpeed = 4,
                    SpeakerSpeed = speakerSpeed,
                    OnEvent = onEvent is null ? null : (_, e) => onEvent(e),
                    Wrap = real => real with
                    {
                        Realtime = realtime = new RealtimeSpeech(options, apiKey, intents ?? (IntentWorkflow)real.Workflow, TimeProvider.System, log.CreateLogger("realtime")),
                    },
                },
                output);
        }
        finally
        {
            if (realtime is not null)
            {
                await realtime.DisposeAsync();
            }
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
