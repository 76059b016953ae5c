using System.Text.Json;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>Delivery policies per message class, against a real mosquitto (ACL file, restarts, persistent sessions).</summary>
public sealed class MqttDeliveryTests : MqttBrokerTests
{
    [RequiresProgramFact("mosquitto")]
    public void Reports_the_broker_refuses_are_kept_counted_once_and_delivered_in_order_when_the_acl_allows_them()
    {
        // Everything allowed but the session events: mosquitto answers each QoS 1 PUBLISH there with PUBACK 135.
        var broker = Broker(acl: ["topic deny appliance/dev1/event/session", "topic readwrite #"]);
        var logger = new ListLogger();
        // The appliance connects through a gate, so after the broker restart it comes back only once the consumer has.
        using var gate = new GatedProxy(broker.Port);
        var service = Service(MqttTestOptions.For(broker, StateDir()) with { Port = gate.Port }, logger);
        var acknowledged = new System.Collections.Concurrent.ConcurrentQueue<long>();
        service.OutboxAcknowledged += acknowledged.Enqueue;
        using var peer = new TestPeer(broker.Port, filters: ["appliance/dev1/event/session", "appliance/dev1/event/button", "appliance/dev1/error"]);
        WaitOnline(broker);

        var refusedSeqs = new List<long>();
        for (var i = 1; i <= 20; i++)
        {
            refusedSeqs.Add(service.PublishSessionEvent(new SessionEventReport { EventType = "turn_ended", SessionId = "s", Turn = i }));
        }

        service.PublishButtonEvent(new ButtonEventReport { EventType = "press", Button = "main" });
        peer.WaitFor("appliance/dev1/event/button");
        WaitUntil(() => service.OutboxStats.Refused == 20, 20, "20 refusals");
        WaitUntil(() => logger.Lines.Count(l => l.Text.Contains("refused report", StringComparison.Ordinal)) == 20, 20, "20 refusal log lines");
        // The consumer can have the button event before its PUBACK reaches the appliance: wait for the acknowledgement.
        WaitUntil(() => !acknowledged.IsEmpty, 10, "the button event's acknowledgement event");
        Assert.Equal(20, service.OutboxStats.Pending); // kept, not counted as delivered
        Assert.Equal(1, service.OutboxStats.Delivered); // the button event only
        Assert.Single(acknowledged); // and a refusal is never reported as an acknowledgement
        Assert.DoesNotContain(acknowledged, refusedSeqs.Contains);
        Assert.Equal(20, logger.Lines.Count(l => l.Level == LogLevel.Warning && l.Text.Contains("refused report", StringComparison.Ordinal)));
        Assert.Contains(logger.Lines, l => l.Text.Contains("reason code 135", StringComparison.Ordinal));
        peer.WaitFor("appliance/dev1/error", r => r.Json.GetProperty("event_type").GetString() == "refused");
        Assert.DoesNotContain(peer.Snapshot(), r => r.Topic == "appliance/dev1/event/session");

        // The ACL is fixed and the broker restarted: after the reconnect the kept reports go out, in order, and the
        // refusals are not reported again.
        static List<int> Turns(IReadOnlyList<Received> all) =>
            [.. all.Where(r => r.Topic == "appliance/dev1/event/session").Select(r => r.Json.GetProperty("turn").GetInt32())];
        var after = peer;
        after.Clear();
        var connects = after.Client.ConnectCount;
        File.WriteAllLines(broker.AclPath, ["topic readwrite #"]);
        gate.Close();
        broker.Stop();
        broker.Launch();
        WaitUntil(() => after.Client.ConnectCount > connects, 30, "the consumer to subscribe again");
        gate.Open();
        try
        {
            after.WaitUntil(all => Turns(all).Distinct().Count() == 20, 30, "the 20 kept reports");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; stats {service.OutboxStats}, connected {service.IsConnected} ({service.ConnectCount} connects); consumer got {string.Join(",", Turns(after.Snapshot()))}; log: {string.Join(" | ", logger.Lines.Select(l => l.Text))}; broker: {broker.ReadLog()}", ex);
        }

        WaitUntil(() => service.OutboxStats.Pending == 0, 30, "the refused reports acknowledged");
        Assert.Equal(21, service.OutboxStats.Delivered);
        WaitUntil(() => acknowledged.Count >= 21, 10, "21 acknowledgement events");
        Assert.Equal(21, acknowledged.Count); // once per record, each with its own sequence number
        Assert.Equal(refusedSeqs, acknowledged.Where(refusedSeqs.Contains).Order());
        Assert.Equal(20, service.OutboxStats.Refused);
        Assert.Equal(20, logger.Lines.Count(l => l.Text.Contains("refused report", StringComparison.Ordinal)));
        Assert.Equal(Enumerable.Range(1, 20), Turns(after.Snapshot()).Distinct());
    }

    [RequiresProgramFact("mosquitto")]
    public void An_action_that_cannot_be_delivered_in_time_expires_and_is_never_sent_late()
    {
        var broker = Broker(persistence: true);
        var logger = new ListLogger();
        var service = Service(MqttTestOptions.For(broker, StateDir()) with { ActionTtlSeconds = 1 }, logger);
        // A consumer whose session (and subscriptions) the broker saves across its restart (SIGTERM).
        using var peer = new TestPeer(broker.Port, clientId: "consumer", cleanSession: false, filters: ["appliance/dev1/#", "home/#"]);
        WaitOnline(broker);
        broker.Stop();
        WaitUntil(() => !service.IsConnected, 20, "the link to drop");

        service.PublishIntent(new IntentReport { Name = "LightOn", Text = "turn on the light" });
        service.PublishMessage("home/light/set", "ON"u8.ToArray());
        service.PublishSessionEvent(new SessionEventReport { EventType = "session_ended", SessionId = "s1", Reason = "nominal" });
        WaitUntil(() => service.OutboxStats.Expired == 2, 20, "two expired actions");
        Assert.Equal(2, logger.Lines.Count(l => l.Text.Contains("expired undelivered", StringComparison.Ordinal)));

        broker.Launch();
        peer.WaitFor("appliance/dev1/event/session", r => r.Json.GetProperty("session_id").GetString() == "s1", 30);
        peer.WaitFor("appliance/dev1/state", r => r.Json.GetProperty("outbox_expired").GetInt64() == 2);
        WaitUntil(() => service.OutboxStats.Pending == 0, 20, "the session event acknowledged");
        Thread.Sleep(300); // anything still on its way from the same connection has arrived by now
        Assert.DoesNotContain(peer.Snapshot(), r => r.Topic.StartsWith("appliance/dev1/intent/", StringComparison.Ordinal) || r.Topic == "home/light/set");
    }

    [RequiresProgramFact("mosquitto")]
    public void Actions_carry_an_mqtt5_message_expiry_so_the_broker_drops_them_for_a_late_consumer()
    {
        var broker = Broker();
        var service = Service(MqttTestOptions.For(broker, StateDir()) with { ActionTtlSeconds = 1 });
        WaitOnline(broker);
        // A consumer with a persistent session goes away; the broker queues for it.
        new TestPeer(broker.Port, clientId: "automation", cleanSession: false, filters: ["appliance/dev1/intent/#", "appliance/dev1/event/session"]).Dispose();

        service.PublishIntent(new IntentReport { Name = "LightOn", Text = "turn on the light" });
        service.PublishSessionEvent(new SessionEventReport { EventType = "session_ended", SessionId = "s2", Reason = "nominal" });
        WaitUntil(() => service.OutboxStats.Delivered == 2, 20, "both acknowledged by the broker");
        Thread.Sleep(2500); // past the action's 1 s expiry at the broker

        using var late = new TestPeer(broker.Port, clientId: "automation", cleanSession: false);
        late.WaitFor("appliance/dev1/event/session", r => r.Json.GetProperty("session_id").GetString() == "s2");
        Assert.DoesNotContain(late.Snapshot(), r => r.Topic.StartsWith("appliance/dev1/intent/", StringComparison.Ordinal));
    }

    [RequiresProgramFact("mosquitto")]
    public void Button_events_are_durable_across_an_outage_and_carry_an_id()
    {
        var broker = Broker(persistence: true);
        var service = Service(MqttTestOptions.For(broker, StateDir()));
        using var peer = new TestPeer(broker.Port, clientId: "consumer", cleanSession: false, filters: ["appliance/dev1/event/button"]);
        WaitOnline(broker);
        broker.Stop();
        WaitUntil(() => !service.IsConnected, 20, "the link to drop");
        service.PublishButtonEvent(new ButtonEventReport { EventType = "long_press", Button = "main", DurationMs = 1200 });
        Assert.Equal(1, service.OutboxStats.Pending);

        broker.Launch();
        var press = peer.WaitFor("appliance/dev1/event/button", seconds: 30);
        Assert.Equal("long_press", press.Json.GetProperty("event_type").GetString());
        Assert.StartsWith("dev1-", press.Json.GetProperty("id").GetString(), StringComparison.Ordinal);
    }

    [RequiresProgramFact("mosquitto")]
    public void Partial_transcripts_are_not_session_events_unless_configured()
    {
        var broker = Broker();
        var quiet = Service(MqttTestOptions.For(broker, StateDir()));
        var chatty = Service(MqttTestOptions.For(broker, StateDir(), "dev2") with { PartialTranscripts = true });
        using var peer = new TestPeer(broker.Port, filters: ["appliance/+/event/session"]);
        WaitOnline(broker);
        WaitOnline(broker, "dev2");

        foreach (var service in new[] { quiet, chatty })
        {
            service.PublishSessionEvent(new SessionEventReport { EventType = "transcript", SessionId = "s", Text = "turn on", Final = false });
            service.PublishSessionEvent(new SessionEventReport { EventType = "transcript", SessionId = "s", Text = "turn on the light", Final = true });
        }

        peer.WaitUntil(all => all.Count(r => r.Topic == "appliance/dev2/event/session") == 2 && all.Any(r => r.Topic == "appliance/dev1/event/session"), 20, "the transcripts");
        var quietOnes = peer.Snapshot().Where(r => r.Topic == "appliance/dev1/event/session").ToList();
        Assert.Single(quietOnes);
        Assert.Equal("turn on the light", quietOnes[0].Json.GetProperty("text").GetString());
    }

    [RequiresProgramFact("mosquitto")]
    public void Delivered_records_are_compacted_away_in_the_background_and_a_reopened_outbox_holds_only_the_rest()
    {
        var broker = Broker();
        var dir = StateDir();
        var service = Service(MqttTestOptions.For(broker, dir));
        WaitOnline(broker);
        var path = Path.Combine(dir, DurableOutbox.FileName);
        for (var i = 0; i < 3000; i++)
        {
            service.PublishSessionEvent(new SessionEventReport { EventType = "turn_ended", SessionId = "s", Turn = i, Text = new string('x', 200) });
        }

        WaitUntil(() => service.OutboxStats.Delivered == 3000, 60, "3000 deliveries");
        // About 1.2 MB written; whenever more than 256 KiB of it is acknowledged (and more than what waits), the
        // maintenance timer rewrites the file (temp, fsync, rename, directory fsync), so at most that much stays.
        Assert.True(service.OutboxStats.Delivered * 300 > 800 * 1024);
        WaitUntil(() => new FileInfo(path).Length <= 300 * 1024, 30, "the compaction");
        service.DisposeAsync().AsTask().GetAwaiter().GetResult();
        using var reopened = new DurableOutbox(dir, MqttTestOptions.For(broker, dir), new ListLogger());
        Assert.Equal(0, reopened.Stats.Pending);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_outbox_files_are_private_and_a_public_password_file_is_warned_about()
    {
        var dir = StateDir();
        var password = Path.Combine(dir, "password");
        File.WriteAllText(password, "s3cret\n");
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        // An outbox file left world-readable by an older release is tightened too.
        File.WriteAllBytes(Path.Combine(dir, DurableOutbox.FileName), []);
        File.SetUnixFileMode(Path.Combine(dir, DurableOutbox.FileName), (UnixFileMode)Convert.ToInt32("644", 8));
        var logger = new ListLogger();
        var options = new MqttOptions { Enabled = true, Host = "127.0.0.1", Port = MosquittoBroker.FreePort(), DeviceId = "dev1", StateDirectory = dir, Username = "u", PasswordFile = password };
        var service = Service(options, logger);
        service.PublishSessionEvent(new SessionEventReport { EventType = "session_started", SessionId = "s" });

        var privateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(privateMode, File.GetUnixFileMode(Path.Combine(dir, DurableOutbox.FileName)));
        Assert.Equal(privateMode, File.GetUnixFileMode(Path.Combine(dir, DurableOutbox.AckFileName)));
        Assert.Single(logger.Lines, l => l.Level == LogLevel.Warning && l.Text.Contains("readable by every user", StringComparison.Ordinal));
        Assert.DoesNotContain(logger.Lines, l => l.Text.Contains("s3cret", StringComparison.Ordinal));
    }
}
