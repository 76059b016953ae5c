using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>The MQTT service against a real mosquitto broker, with our own MQTTnet client as the peer.</summary>
public sealed class MqttServiceTests : MqttBrokerTests
{
    /// <summary>Connected and subscribed: "online" is published after the SUBSCRIBE on the same connection.</summary>
    private static void WaitOnline(MqttService service, MosquittoBroker broker, string device = "dev1")
    {
        WaitOnline(broker, device);
        Assert.True(service.IsConnected);
    }

    private static byte[] Wav(int frames)
    {
        using var ms = new MemoryStream();
        var samples = new float[frames];
        for (var i = 0; i < frames; i++)
        {
            samples[i] = MathF.Sin(i * 0.1f) * 0.5f;
        }

        WavFile.WritePcm16(ms, samples, 16000);
        return ms.ToArray();
    }

    [RequiresProgramFact("mosquitto")]
    public void A_flood_of_bad_commands_is_counted_but_logged_and_answered_a_bounded_number_of_times()
    {
        var broker = Broker();
        var handler = new RecordingHandler();
        var logger = new ListLogger();
        var service = Service(MqttTestOptions.For(broker, StateDir()), handler, logger);
        using var peer = new TestPeer(broker.Port, filters: ["appliance/dev1/error"]);
        WaitOnline(service, broker);

        // 200 bad volume/set, then a good command on another topic. The volume/set queue holds 32: what the reader
        // has not taken by then is dropped from that topic only (counted), never the say.
        for (var i = 0; i < 200; i++)
        {
            peer.Publish("appliance/dev1/cmd/volume/set", "loud"u8.ToArray(), 1, wait: false);
        }

        peer.Publish("appliance/dev1/cmd/say", "marker");
        handler.WaitFor(c => c == "say:marker", 30);
        Assert.True(SpinWait.SpinUntil(() => service.BadInputs + service.CommandsDropped == 200, TimeSpan.FromSeconds(30)), $"{service.BadInputs} refused + {service.CommandsDropped} dropped of 200");
        Assert.True(service.BadInputs >= 32, $"only {service.BadInputs} were parsed and refused");
        Assert.Equal(service.CommandsDropped, service.CommandsDroppedByTopic.GetValueOrDefault("volume/set"));
        Assert.InRange(logger.Lines.Count(l => l.Level == LogLevel.Warning && l.Text.Contains("bad_input", StringComparison.Ordinal)), 1, 20);
        Thread.Sleep(500); // error messages already published have arrived by now (same broker, QoS 0)
        Assert.InRange(peer.Snapshot().Count, 1, 20);
    }

    [RequiresProgramFact("mosquitto")]
    public void Clearing_a_retained_command_with_an_empty_payload_starts_nothing()
    {
        var broker = Broker();
        var handler = new RecordingHandler();
        var service = Service(MqttTestOptions.For(broker, StateDir()), handler);
        using var peer = new TestPeer(broker.Port, filters: ["appliance/#"]);
        peer.WaitFor("appliance/dev1/availability", r => r.Text == "online");

        // The MQTT way to clear a retained message; the broker forwards it to the appliance as an empty message.
        peer.Publish("appliance/dev1/cmd/listen", [], 1, retain: true);
        peer.Publish("appliance/dev1/cmd/stop", []);
        peer.Publish("appliance/dev1/cmd/say", "marker");
        handler.WaitFor(c => c == "say:marker");
        Assert.DoesNotContain(handler.Calls, c => c is "listen" or "stop");
        Assert.Equal(0, service.BadInputs);
    }

    [RequiresProgramFact("mosquitto")]
    public void Every_command_round_trips_to_the_handler()
    {
        var broker = Broker();
        var handler = new RecordingHandler();
        var passwordVar = "MQTT_TEST_PW_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(passwordVar, "s3cret-never-logged");
        var logger = new ListLogger();
        var service = Service(MqttTestOptions.For(broker, StateDir()) with { Username = "user", PasswordEnvironmentVariable = passwordVar }, handler, logger);
        using var peer = new TestPeer(broker.Port, filters: ["appliance/#"]);
        peer.WaitFor("appliance/dev1/availability", r => r.Text == "online");

        peer.Publish("appliance/dev1/cmd/listen", "PRESS");
        handler.WaitFor(c => c == "listen");
        peer.Publish("appliance/dev1/cmd/stop", "PRESS");
        handler.WaitFor(c => c == "stop");
        peer.Publish("appliance/dev1/cmd/say", "hello there");
        handler.WaitFor(c => c == "say:hello there");
        peer.Publish("appliance/dev1/cmd/say", "{\"text\":\"json hi\",\"voice\":\"amy\",\"volume\":40}");
        handler.WaitFor(c => c == "say:json hi");
        Assert.Contains(new SayCommand("json hi", "amy", 40), handler.Says);
        peer.Publish("appliance/dev1/cmd/mute/set", "ON");
        handler.WaitFor(c => c == "mute:on");
        peer.Publish("appliance/dev1/cmd/mute/set", "OFF");
        handler.WaitFor(c => c == "mute:off");
        peer.Publish("appliance/dev1/cmd/volume/set", "42");
        handler.WaitFor(c => c == "volume:42");
        peer.Publish("appliance/dev1/cmd/volume/set", "{\"volume\": 17}");
        handler.WaitFor(c => c == "volume:17");
        peer.Publish("appliance/dev1/cmd/intercom/play/dev2", Wav(1600));
        handler.WaitFor(c => c == "intercom:dev2:1600");

        peer.Publish("appliance/dev1/cmd/intercom/send", "[\"dev2\",\"dev3\"]");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (service.IntercomTargets.Count != 2 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        Assert.Equal(["dev2", "dev3"], service.IntercomTargets);
        var wav = Wav(800);
        Assert.Equal(2, service.SendIntercom(wav));
        Assert.Equal(wav, peer.WaitFor("appliance/dev2/cmd/intercom/play/dev1").Payload);
        Assert.Equal(wav, peer.WaitFor("appliance/dev3/cmd/intercom/play/dev1").Payload);
        Assert.Throws<ArgumentException>(() => service.SendIntercom(new byte[service.IntercomTargets.Count + (2 * 1024 * 1024) + 1]));

        Assert.Equal(0, service.BadInputs);
        Assert.DoesNotContain(logger.Lines, l => l.Text.Contains("s3cret", StringComparison.Ordinal));
    }

    [RequiresProgramFact("mosquitto")]
    public void Events_state_and_intents_are_published_with_their_fields()
    {
        var broker = Broker();
        var service = Service(MqttTestOptions.For(broker, StateDir()), new RecordingHandler());
        using var peer = new TestPeer(broker.Port, filters: ["appliance/#"]);
        WaitOnline(service, broker);

        var seq = service.PublishSessionEvent(new SessionEventReport
        {
            EventType = SessionEventTypes.SessionEnded,
            SessionId = "s-1",
            Turn = 2,
            Reason = "timeout",
            Text = "turn on the light",
            LatencyMs = 812.5,
            TranscriptMs = 300,
            SttRtf = 0.25,
        });
        var session = peer.WaitFor("appliance/dev1/event/session").Json;
        Assert.Equal("session_ended", session.GetProperty("event_type").GetString());
        Assert.Equal("s-1", session.GetProperty("session_id").GetString());
        Assert.Equal(2, session.GetProperty("turn").GetInt32());
        Assert.Equal("timeout", session.GetProperty("reason").GetString());
        Assert.Equal("turn on the light", session.GetProperty("text").GetString());
        Assert.Equal(812.5, session.GetProperty("latency_ms").GetDouble());
        Assert.Equal(0.25, session.GetProperty("stt_rtf").GetDouble());
        Assert.Equal("dev1-" + seq, session.GetProperty("id").GetString());
        Assert.Equal("dev1", session.GetProperty("device_id").GetString());
        Assert.True(session.TryGetProperty("timestamp", out _));
        Assert.False(session.TryGetProperty("tts_rtf", out _), "unset values are left out");

        service.PublishButtonEvent(new ButtonEventReport { EventType = "long_press", Button = "main", DurationMs = 1200 });
        var button = peer.WaitFor("appliance/dev1/event/button").Json;
        Assert.Equal("long_press", button.GetProperty("event_type").GetString());
        Assert.Equal(1200, button.GetProperty("duration_ms").GetDouble());

        service.PublishIntent(new IntentReport { Name = "LightOn", Text = "turn on the light", Slots = new Dictionary<string, string> { ["room"] = "kitchen" }, Confidence = 0.9 });
        var intent = peer.WaitFor("appliance/dev1/intent/lighton").Json;
        Assert.Equal("kitchen", intent.GetProperty("slots").GetProperty("room").GetString());
        Assert.StartsWith("dev1-", intent.GetProperty("id").GetString(), StringComparison.Ordinal);

        service.PublishStatus(new ApplianceStatus { State = PipelineState.Listening, Muted = true, Volume = 55, Versions = new Dictionary<string, string> { ["appliance"] = "0.1.0" } });
        peer.WaitFor("appliance/dev1/state", r => r.Text.Contains("listening", StringComparison.Ordinal));

        // Retained: a newcomer gets the state without anything new being published.
        using var late = new TestPeer(broker.Port, filters: ["appliance/dev1/state"]);
        var state = late.WaitFor("appliance/dev1/state");
        Assert.True(state.Retain);
        Assert.Equal("listening", state.Json.GetProperty("state").GetString());
        Assert.True(state.Json.GetProperty("muted").GetBoolean());
        Assert.Equal(55, state.Json.GetProperty("volume").GetInt32());
        Assert.Equal("0.1.0", state.Json.GetProperty("versions").GetProperty("appliance").GetString());
        Assert.StartsWith("5.", state.Json.GetProperty("versions").GetProperty("mqttnet").GetString(), StringComparison.Ordinal);
        Assert.True(state.Json.GetProperty("uptime_s").GetDouble() >= 0);
        Assert.Equal(0, service.OutboxStats.Evicted);
    }

    [RequiresProgramFact("mosquitto")]
    public void Discovery_is_retained_complete_republished_on_ha_online_and_removable()
    {
        var broker = Broker();
        var service = Service(MqttTestOptions.For(broker, StateDir()) with { DeviceName = "Kitchen speaker" }, new RecordingHandler());
        WaitOnline(service, broker);
        using var peer = new TestPeer(broker.Port, filters: ["homeassistant/device/dev1/config"]);
        var discovery = peer.WaitFor("homeassistant/device/dev1/config");

        // Retained: the discovery follows "online", so this peer may have had it live (retain flag off); a newcomer
        // subscribing after it arrived gets the broker's retained copy.
        using (var newcomer = new TestPeer(broker.Port, filters: ["homeassistant/device/dev1/config"]))
        {
            Assert.True(newcomer.WaitFor("homeassistant/device/dev1/config").Retain);
        }

        var root = discovery.Json;
        Assert.Equal("voice_appliance_dev1", root.GetProperty("dev").GetProperty("ids")[0].GetString());
        Assert.Equal("Kitchen speaker", root.GetProperty("dev").GetProperty("name").GetString());
        Assert.Equal("voice-appliance", root.GetProperty("o").GetProperty("name").GetString());
        Assert.Equal("appliance/dev1/availability", root.GetProperty("availability_topic").GetString());
        var cmps = root.GetProperty("cmps").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal(8, cmps.Count);
        Assert.Equal("event", cmps["dev1_error"].GetProperty("p").GetString());
        Assert.Equal("sensor", cmps["dev1_state"].GetProperty("p").GetString());
        Assert.Equal("appliance/dev1/state", cmps["dev1_state"].GetProperty("state_topic").GetString());
        Assert.Equal("event", cmps["dev1_session"].GetProperty("p").GetString());
        Assert.Contains("session_ended", cmps["dev1_session"].GetProperty("event_types").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("event", cmps["dev1_button"].GetProperty("p").GetString());
        Assert.Equal("switch", cmps["dev1_mute"].GetProperty("p").GetString());
        Assert.Equal("appliance/dev1/cmd/mute/set", cmps["dev1_mute"].GetProperty("command_topic").GetString());
        Assert.Equal("button", cmps["dev1_listen"].GetProperty("p").GetString());
        Assert.Equal("appliance/dev1/cmd/listen", cmps["dev1_listen"].GetProperty("command_topic").GetString());
        Assert.Equal("notify", cmps["dev1_say"].GetProperty("p").GetString());
        Assert.Equal("appliance/dev1/cmd/say", cmps["dev1_say"].GetProperty("command_topic").GetString());
        Assert.Equal("number", cmps["dev1_volume"].GetProperty("p").GetString());
        Assert.Equal(100, cmps["dev1_volume"].GetProperty("max").GetDouble());
        foreach (var c in cmps.Values)
        {
            Assert.StartsWith("dev1_", c.GetProperty("unique_id").GetString(), StringComparison.Ordinal);
        }

        peer.Clear();
        peer.Publish("homeassistant/status", "online");
        Assert.Equal(discovery.Payload, peer.WaitFor("homeassistant/device/dev1/config").Payload);

        peer.Clear();
        service.RemoveDiscoveryAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        Assert.Empty(peer.WaitFor("homeassistant/device/dev1/config").Payload);
        using var late = new TestPeer(broker.Port, filters: ["homeassistant/device/dev1/config"]);
        Thread.Sleep(200);
        Assert.DoesNotContain(late.Snapshot(), r => r.Topic == "homeassistant/device/dev1/config");
    }

    [RequiresProgramFact("mosquitto")]
    public void Bad_input_becomes_an_error_event_and_nothing_else()
    {
        var broker = Broker();
        var handler = new RecordingHandler();
        var logger = new ListLogger();
        var service = Service(MqttTestOptions.For(broker, StateDir()) with { MaxSayLength = 50 }, handler, logger);
        using var peer = new TestPeer(broker.Port, filters: ["appliance/dev1/error"]);
        WaitOnline(service, broker);

        var cases = new (string Topic, byte[] Payload, string Reason)[]
        {
            ("say", "{\"text\": "u8.ToArray(), "not valid"),
            ("say", "{\"text\": true}"u8.ToArray(), "not valid"),
            ("volume/set", "{\"volume\": [1]}"u8.ToArray(), "not valid"),
            ("volume/set", "101"u8.ToArray(), "out of range"),
            ("mute/set", "perhaps"u8.ToArray(), "expects ON, OFF"),
            ("say", new byte[20_000], "over the 16384-byte limit"),
            ("reboot", "now"u8.ToArray(), "unknown command 'reboot'"),
            ("say", Encoding.UTF8.GetBytes(new string('x', 51)), "over the 50-character limit"),
            ("intercom/play", "RIFF....WAVEnot really"u8.ToArray(), "not a usable WAV"),
            ("intercom/play", Encoding.UTF8.GetBytes("plain text, not audio"), "not a usable WAV"),
        };
        foreach (var (topic, payload, reason) in cases)
        {
            peer.Clear();
            peer.Publish("appliance/dev1/cmd/" + topic, payload, 1);
            JsonElement error;
            try
            {
                error = peer.WaitFor("appliance/dev1/error").Json;
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"case {topic} {reason}; log: {string.Join(" | ", logger.Lines.Select(l => l.Text))}", ex);
            }

            Assert.Equal("bad_input", error.GetProperty("event_type").GetString());
            Assert.Equal("appliance/dev1/cmd/" + topic, error.GetProperty("topic").GetString());
            Assert.Contains(reason, error.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal(payload.Length, error.GetProperty("payload_bytes").GetInt32());
        }

        Assert.Empty(handler.Calls);
        Assert.Equal(cases.Length, logger.Lines.Count(l => l.Level == LogLevel.Warning && l.Text.Contains("bad_input", StringComparison.Ordinal)));

        // A retained command would replay at every (re)connect: refused, not executed.
        using (var errors9 = new TestPeer(broker.Port, filters: ["appliance/dev9/error"]))
        {
            errors9.Publish("appliance/dev9/cmd/listen", "PRESS", retain: true);
            var handler9 = new RecordingHandler();
            Service(MqttTestOptions.For(broker, StateDir(), "dev9"), handler9);
            Assert.Contains("retained", errors9.WaitFor("appliance/dev9/error").Json.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Empty(handler9.Calls);
        }

        // A handler that fails is reported too, and the next command still works.
        handler.Behaviour = c => c == "stop" ? Task.FromException(new InvalidOperationException("audio device gone")) : Task.CompletedTask;
        peer.Clear();
        peer.Publish("appliance/dev1/cmd/stop", "PRESS");
        var failed = peer.WaitFor("appliance/dev1/error").Json;
        Assert.Equal("command_failed", failed.GetProperty("event_type").GetString());
        Assert.Contains("audio device gone", failed.GetProperty("reason").GetString(), StringComparison.Ordinal);
        peer.Publish("appliance/dev1/cmd/volume/set", "33");
        handler.WaitFor(c => c == "volume:33");
        Assert.True(service.IsConnected);
    }

    [RequiresProgramFact("mosquitto")]
    public void Ten_thousand_fuzzed_commands_leave_it_up_and_answering()
    {
        var broker = Broker();
        var handler = new RecordingHandler();
        var service = Service(MqttTestOptions.For(broker, StateDir()) with { MaxCommandBytes = 4096, MaxIntercomBytes = 8192 }, handler);
        using var peer = new TestPeer(broker.Port, filters: ["appliance/dev1/error"]);
        WaitOnline(service, broker);
        var rng = new Random(12345);
        string[] names = ["listen", "stop", "say", "mute/set", "volume/set", "intercom/play", "intercom/play/x", "intercom/send", "nope", "say/extra", "", "mute", "volume"];
        string[] fragments = ["{", "}", "[", "]", "\"text\"", ":", ",", "null", "true", "1e309", "-1", "\"volume\"", "\"muted\"", "\"targets\"", "\\u0000", "RIFF", "WAVE", "fmt ", "data", "ON", "\u00e9", "\ud83d\ude00"];
        for (var i = 0; i < 10_000; i++)
        {
            var name = names[rng.Next(names.Length)];
            byte[] payload;
            switch (rng.Next(4))
            {
                case 0:
                    payload = new byte[rng.Next(0, 64)];
                    rng.NextBytes(payload);
                    break;
                case 1:
                    var sb = new StringBuilder();
                    for (var k = rng.Next(1, 12); k > 0; k--)
                    {
                        sb.Append(fragments[rng.Next(fragments.Length)]);
                    }

                    payload = Encoding.UTF8.GetBytes(sb.ToString());
                    break;
                case 2:
                    payload = new byte[rng.Next(4000, 9000)];
                    rng.NextBytes(payload);
                    "RIFF"u8.CopyTo(payload);
                    break;
                default:
                    var wav = Wav(rng.Next(1, 50));
                    payload = wav[..rng.Next(1, wav.Length)];
                    break;
            }

            peer.Publish("appliance/dev1/cmd/" + name, payload, 0, wait: false);
        }

        var marker = "final-" + Guid.NewGuid().ToString("N")[..8];
        peer.Publish("appliance/dev1/cmd/say", marker);
        handler.WaitFor(c => c == "say:" + marker, 30);
        Assert.True(service.IsConnected);
        // A flood is bounded by the service's command queue (drop-oldest, counted): what was not parsed and refused
        // was dropped and counted. How many of each depends on how fast this machine drains the queue, so the
        // assertion is on the accounting, not on the split (a loaded machine drops more and parses fewer).
        Assert.True(service.BadInputs + service.CommandsDropped > 1000, $"only {service.BadInputs} bad inputs and {service.CommandsDropped} drops were reported");
        Assert.True(service.BadInputs > 0, "no bad input was reported");
        Assert.NotEmpty(peer.Snapshot());
    }

    [RequiresProgramFact("mosquitto")]
    public void Thousand_reports_survive_a_broker_restart_in_order()
    {
        var broker = Broker(persistence: true);
        var logger = new ListLogger();
        var service = Service(MqttTestOptions.For(broker, StateDir()), new RecordingHandler(), logger);
        using var peer = new TestPeer(broker.Port, clientId: "report-consumer", cleanSession: false, filters: ["appliance/dev1/event/session"]);
        WaitOnline(service, broker);

        for (var i = 1; i <= 1000; i++)
        {
            service.PublishSessionEvent(new SessionEventReport { EventType = "turn_ended", SessionId = "s", Turn = i });
            if (i == 300)
            {
                broker.Stop(); // SIGTERM by PID: the broker saves the consumer's session and queue
            }

            if (i == 700)
            {
                broker.Launch();
            }

            if (i % 50 == 0)
            {
                Thread.Sleep(5);
            }
        }

        static List<int> Turns(IReadOnlyList<Received> all) =>
            all.Where(r => r.Topic == "appliance/dev1/event/session").Select(r => r.Json.GetProperty("turn").GetInt32()).ToList();

        peer.WaitUntil(all => Turns(all).Distinct().Count() == 1000, 30, "1000 distinct reports");
        var turns = Turns(peer.Snapshot());
        var firstSeen = new List<int>();
        var seen = new HashSet<int>();
        foreach (var t in turns)
        {
            if (seen.Add(t))
            {
                firstSeen.Add(t);
            }
        }

        Assert.Equal(Enumerable.Range(1, 1000), firstSeen);
        // QoS 1 allows re-delivery of what was in flight when the broker went away, nothing more.
        Assert.InRange(turns.Count - 1000, 0, 64);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (service.OutboxStats.Pending > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        Assert.Equal(0, service.OutboxStats.Pending);
        Assert.Equal(1, logger.Lines.Count(l => l.Text.Contains("unreachable", StringComparison.Ordinal)));
        Assert.Equal(1, logger.Lines.Count(l => l.Text.Contains("reconnected", StringComparison.Ordinal)));
    }

    [RequiresProgramFact("mosquitto")]
    public void Daemon_restart_with_a_non_empty_outbox_delivers_everything_once_in_order()
    {
        var broker = Broker();
        var stateDir = StateDir();
        var nowhere = MqttTestOptions.For(broker, stateDir) with { Port = MosquittoBroker.FreePort() };
        var first = new MqttService(nowhere, new RecordingHandler(), new ListLogger());
        first.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        for (var i = 1; i <= 50; i++)
        {
            first.PublishSessionEvent(new SessionEventReport { EventType = "session_ended", SessionId = "s" + i, Turn = i });
        }

        first.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        first.PublishSessionEvent(new SessionEventReport { EventType = "session_ended", SessionId = "s51", Turn = 51 }); // during shutdown
        Assert.Equal(51, first.OutboxStats.Pending);
        first.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Assert.True(new FileInfo(Path.Combine(stateDir, DurableOutbox.FileName)).Length > 50 * 40);

        using var peer = new TestPeer(broker.Port, filters: ["appliance/dev1/event/session"]);
        var logger = new ListLogger();
        var second = Service(MqttTestOptions.For(broker, stateDir), new RecordingHandler(), logger);
        Assert.Contains(logger.Lines, l => l.Text.Contains("51 undelivered records", StringComparison.Ordinal));
        peer.WaitUntil(all => all.Count >= 51, 10, "51 queued reports");
        Thread.Sleep(200);
        var received = peer.Snapshot().Select(r => r.Json).ToList();
        Assert.Equal(Enumerable.Range(1, 51), received.Select(j => j.GetProperty("turn").GetInt32()));
        var ids = received.Select(j => j.GetProperty("id").GetString()!).ToList();
        Assert.Equal(51, ids.Distinct().Count());
        Assert.Equal(ids.OrderBy(id => long.Parse(id["dev1-".Length..], System.Globalization.CultureInfo.InvariantCulture)), ids);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (second.OutboxStats.Pending > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        Assert.Equal(0, second.OutboxStats.Pending);
        Assert.Equal(51, second.OutboxStats.Delivered);

        // A third start has nothing left to send.
        second.DisposeAsync().AsTask().GetAwaiter().GetResult();
        using var third = new DurableOutbox(stateDir, MqttTestOptions.For(broker, stateDir), new ListLogger());
        Assert.Equal(0, third.Stats.Pending);
    }

    [RequiresProgramFact("mosquitto")]
    public void Reports_queued_by_a_daemon_that_is_killed_are_delivered_by_the_next_one()
    {
        var broker = Broker();
        var stateDir = StateDir();
        var unreachable = MosquittoBroker.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var child = StartChild(unreachable, stateDir, "dev1", "200"))
        {
            try
            {
                var queued = child.StandardOutput.ReadLineAsync();
                Assert.True(queued.Wait(TimeSpan.FromSeconds(30)), "child did not queue: " + (child.HasExited ? child.StandardError.ReadToEnd() : "still running"));
                Assert.Equal("queued", queued.Result);
            }
            finally
            {
                child.Kill(); // SIGKILL: no flush, no dispose; records were written to the kernel one by one
                child.WaitForExit(5000);
            }
        }

        using var peer = new TestPeer(broker.Port, filters: ["appliance/dev1/event/session"]);
        var service = Service(MqttTestOptions.For(broker, stateDir), new RecordingHandler());
        peer.WaitUntil(all => all.Count >= 200, 10, "200 reports from the killed daemon");
        Assert.Equal(Enumerable.Range(1, 200), peer.Snapshot().Select(r => r.Json.GetProperty("turn").GetInt32()));
        Assert.Equal("crash", peer.Snapshot()[0].Json.GetProperty("session_id").GetString());
    }

    private System.Diagnostics.Process StartChild(params string[] args)
    {
        var dll = typeof(TestHostEntry).Assembly.Location;
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", ["exec", dll, "mqtt-child", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return System.Diagnostics.Process.Start(psi)!;
    }

    [RequiresProgramFact("mosquitto")]
    public void A_full_outbox_evicts_the_oldest_counts_them_and_sends_the_rest_in_order()
    {
        var broker = Broker();
        var stateDir = StateDir();
        var logger = new ListLogger();
        var nowhere = MqttTestOptions.For(broker, stateDir) with { Port = MosquittoBroker.FreePort(), OutboxMaxBytes = 64 * 1024 };
        var first = new MqttService(nowhere, new RecordingHandler(), logger);
        first.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        var text = new string('t', 900);
        for (var i = 1; i <= 200; i++)
        {
            first.PublishSessionEvent(new SessionEventReport { EventType = "transcript", SessionId = "s", Turn = i, Text = text });
        }

        var stats = first.OutboxStats;
        Assert.True(stats.Evicted > 100, $"evicted {stats.Evicted}");
        Assert.Equal(200, stats.Evicted + stats.Pending);
        Assert.True(stats.PendingBytes <= 64 * 1024);
        Assert.Single(logger.Lines, l => l.Text.Contains("outbox full", StringComparison.Ordinal));
        first.DisposeAsync().AsTask().GetAwaiter().GetResult();

        using var peer = new TestPeer(broker.Port, filters: ["appliance/dev1/event/session"]);
        Service(MqttTestOptions.For(broker, stateDir) with { OutboxMaxBytes = 64 * 1024 }, new RecordingHandler());
        peer.WaitUntil(all => all.Count >= stats.Pending, 10, "the kept reports");
        var turns = peer.Snapshot().Select(r => r.Json.GetProperty("turn").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range((int)stats.Evicted + 1, (int)stats.Pending), turns);
    }

    [RequiresProgramFact("mosquitto")]
    public void A_torn_outbox_tail_is_cut_and_the_records_before_it_kept()
    {
        var broker = Broker();
        var stateDir = StateDir();
        var nowhere = MqttTestOptions.For(broker, stateDir) with { Port = MosquittoBroker.FreePort() };
        using (var outbox = new DurableOutbox(stateDir, nowhere, new ListLogger()))
        {
            for (var i = 0; i < 10; i++)
            {
                outbox.Enqueue("t/x", s => Encoding.UTF8.GetBytes("record " + s));
            }
        }

        var path = Path.Combine(stateDir, DurableOutbox.FileName);
        var good = new FileInfo(path).Length;
        using (var f = new FileStream(path, FileMode.Append))
        {
            f.Write([0x56, 0x41, 0x4F, 0x42, 0xFF, 0x00, 0x00, 0x00, 1, 2, 3]); // a header promising more than follows
        }

        var logger = new ListLogger();
        using var reopened = new DurableOutbox(stateDir, nowhere, logger);
        Assert.Equal(10, reopened.Stats.Pending);
        Assert.Equal(good, new FileInfo(path).Length);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Warning && l.Text.Contains("torn or corrupt tail of 11 bytes", StringComparison.Ordinal));
    }

    [RequiresProgramFact("mosquitto")]
    public void Last_will_marks_the_device_offline_when_its_process_is_killed()
    {
        var broker = Broker();
        using var peer = new TestPeer(broker.Port, filters: ["appliance/child1/availability"]);
        using var child = StartChild(broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StateDir(), "child1");
        try
        {
            var ready = child.StandardOutput.ReadLineAsync();
            Assert.True(ready.Wait(TimeSpan.FromSeconds(30)), "child did not report ready: " + (child.HasExited ? child.StandardError.ReadToEnd() : "still running"));
            Assert.Equal("ready", ready.Result);
            peer.WaitFor("appliance/child1/availability", r => r.Text == "online");
            child.Kill(); // SIGKILL: no DISCONNECT, so the broker publishes the will
            child.WaitForExit(5000);
            var offline = peer.WaitFor("appliance/child1/availability", r => r.Text == "offline");
            Assert.False(offline.Retain); // delivered live...
            using var late = new TestPeer(broker.Port, filters: ["appliance/child1/availability"]);
            Assert.True(late.WaitFor("appliance/child1/availability").Retain); // ...and retained for newcomers
            Assert.Equal("offline", late.Snapshot().Single().Text);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }
    }

    [RequiresProgramFact("mosquitto")]
    public void Tls_connects_with_the_right_ca_and_refuses_a_wrong_one()
    {
        var broker = Broker(tls: true);
        var tls = broker.Tls!;
        var options = MqttTestOptions.For(broker, StateDir()) with { Host = "localhost", Port = broker.TlsPort!.Value, Tls = true, TlsCaFile = tls.CaFile };
        Assert.Empty(options.Validate());
        using var peer = new TestPeer(broker.Port, filters: ["appliance/dev1/availability"]);
        var service = Service(options, new RecordingHandler());
        peer.WaitFor("appliance/dev1/availability", r => r.Text == "online");
        Assert.True(service.IsConnected);

        var logger = new ListLogger();
        var wrong = Service(options with { DeviceId = "dev2", TlsCaFile = tls.OtherCaFile }, new RecordingHandler(), logger);
        Thread.Sleep(1500);
        Assert.False(wrong.IsConnected);
        Assert.Single(logger.Lines, l => l.Text.Contains("unreachable", StringComparison.Ordinal));
        // The reason in words: the broker's certificate is not signed by the configured CA.
        Assert.Contains(logger.Lines, l => l.Text.Contains("TLS: unknown CA", StringComparison.Ordinal) && l.Text.Contains("other-ca.crt", StringComparison.Ordinal));
    }

    [RequiresProgramFact("mosquitto")]
    public void Hermes_topics_follow_sessions_and_say_when_switched_on()
    {
        var broker = Broker();
        var handler = new RecordingHandler();
        var service = Service(MqttTestOptions.For(broker, StateDir()) with { Hermes = true, ProtocolVersion = "3.1.1" }, handler);
        using var peer = new TestPeer(broker.Port, filters: ["hermes/#"]);
        WaitOnline(service, broker);

        service.PublishSessionEvent(new SessionEventReport { EventType = "session_started", SessionId = "h1" });
        service.PublishSessionEvent(new SessionEventReport { EventType = "transcript", SessionId = "h1", Final = true, Text = "what time is it", SpeechMs = 1500 });
        service.PublishSessionEvent(new SessionEventReport { EventType = "session_ended", SessionId = "h1", Reason = "aborted_by_user" });
        Assert.Equal("dev1", peer.WaitFor("hermes/dialogueManager/sessionStarted").Json.GetProperty("siteId").GetString());
        var captured = peer.WaitFor("hermes/asr/textCaptured").Json;
        Assert.Equal("what time is it", captured.GetProperty("text").GetString());
        Assert.Equal(1.5, captured.GetProperty("seconds").GetDouble());
        Assert.Equal("h1", captured.GetProperty("sessionId").GetString());
        Assert.Equal("abortedByUser", peer.WaitFor("hermes/dialogueManager/sessionEnded").Json.GetProperty("termination").GetProperty("reason").GetString());

        peer.Publish("hermes/tts/say", "{\"text\":\"for another site\",\"siteId\":\"elsewhere\",\"id\":\"x\"}");
        peer.Publish("hermes/tts/say", "{\"text\":\"hello hermes\",\"siteId\":\"dev1\",\"id\":\"abc\",\"sessionId\":null}");
        handler.WaitFor(c => c == "say:hello hermes");
        var finished = peer.WaitFor("hermes/tts/sayFinished").Json;
        Assert.Equal("abc", finished.GetProperty("id").GetString());
        Assert.DoesNotContain("say:for another site", handler.Calls);
        peer.Publish("hermes/dialogueManager/startSession", "{\"siteId\":\"dev1\",\"init\":{\"type\":\"action\"}}");
        handler.WaitFor(c => c == "listen");
    }
}
