using System.Text.Json;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>The device's life in Home Assistant, checked against the broker's retained store (a real mosquitto).</summary>
public sealed class MqttHomeAssistantLifecycleTests : MqttBrokerTests
{
    /// <summary>
    /// The broker's retained store: a fresh subscriber to <c>#</c> receives every retained message at once. A marker
    /// retained last (published by the reader itself) tells when all of them have arrived.
    /// </summary>
    private static Dictionary<string, string> RetainedStore(MosquittoBroker broker)
    {
        var marker = "zz-marker/" + Guid.NewGuid().ToString("N");
        using (var writer = new TestPeer(broker.Port))
        {
            writer.Publish(marker, "x", retain: true);
        }

        using var reader = new TestPeer(broker.Port, filters: ["#"]);
        reader.WaitFor(marker);
        var store = reader.Snapshot().Where(r => r.Retain && !r.Topic.StartsWith("zz-marker/", StringComparison.Ordinal) && !r.Topic.StartsWith("peer/", StringComparison.Ordinal))
            .GroupBy(r => r.Topic).ToDictionary(g => g.Key, g => g.Last().Text, StringComparer.Ordinal);
        using (var clearer = new TestPeer(broker.Port))
        {
            clearer.Publish(marker, [], 1, retain: true);
        }

        return store;
    }

    [RequiresProgramFact("mosquitto")]
    public void Renaming_the_device_clears_the_old_ones_retained_discovery_state_and_availability()
    {
        var broker = Broker();
        var dir = StateDir();
        var first = StartService(MqttTestOptions.For(broker, dir, "kitchen"));
        WaitOnline(broker, "kitchen");
        StopService(first);
        var before = RetainedStore(broker);
        Assert.Contains("homeassistant/device/kitchen/config", before.Keys);
        Assert.Equal("offline", before["appliance/kitchen/availability"]);

        var logger = new ListLogger();
        var renamed = StartService(MqttTestOptions.For(broker, dir, "galley"), logger);
        WaitOnline(broker, "galley");
        WaitUntil(() => logger.Lines.Count(l => l.Text.Contains("cleared the retained", StringComparison.Ordinal)) >= 3, 60, "three clearings");
        var after = RetainedStore(broker);
        Assert.DoesNotContain(after.Keys, t => t.Contains("kitchen", StringComparison.Ordinal));
        Assert.Contains("homeassistant/device/galley/config", after.Keys);
        Assert.Equal("online", after["appliance/galley/availability"]);
        StopService(renamed);
    }

    [RequiresProgramFact("mosquitto")]
    public void Turning_discovery_off_clears_the_retained_discovery_and_keeps_state_and_availability()
    {
        var broker = Broker();
        var dir = StateDir();
        StopService(StartAndWait(MqttTestOptions.For(broker, dir)));
        Assert.Contains("homeassistant/device/dev1/config", RetainedStore(broker).Keys);

        var logger = new ListLogger();
        var off = StartService(MqttTestOptions.For(broker, dir) with { HomeAssistantDiscovery = false }, logger);
        WaitOnline(broker, "dev1");
        WaitUntil(() => logger.Lines.Any(l => l.Text.Contains("cleared the retained 'homeassistant/device/dev1/config'", StringComparison.Ordinal)), 20, "the discovery cleared");
        var after = RetainedStore(broker);
        Assert.DoesNotContain("homeassistant/device/dev1/config", after.Keys);
        Assert.Equal("online", after["appliance/dev1/availability"]);
        Assert.Contains("appliance/dev1/state", after.Keys);
        StopService(off);

        MqttService StartAndWait(MqttOptions options)
        {
            var s = StartService(options);
            WaitOnline(broker, "dev1");
            WaitUntil(() => File.Exists(Path.Combine(dir, RetainedTopicLedger.FileName)), 20, "the ledger");
            return s;
        }
    }

    [RequiresProgramFact("mosquitto")]
    public void Forget_clears_every_retained_topic_of_this_and_earlier_device_ids()
    {
        var broker = Broker();
        var dir = StateDir();
        var service = StartService(MqttTestOptions.For(broker, dir, "kitchen"));
        WaitOnline(broker, "kitchen");
        WaitUntil(() => File.Exists(Path.Combine(dir, RetainedTopicLedger.FileName)), 20, "the ledger");
        StopService(service);
        // An interrupted rename: the ledger still names the old device, the config the new one.
        Assert.Equal(3, RetainedStore(broker).Count);

        var cleared = MqttForget.RunAsync(MqttTestOptions.For(broker, dir, "galley"), new ListLogger(), TimeSpan.FromSeconds(15), CancellationToken.None).GetAwaiter().GetResult();

        Assert.Contains("homeassistant/device/kitchen/config", cleared);
        Assert.Contains("homeassistant/device/galley/config", cleared);
        Assert.Empty(RetainedStore(broker));
        Assert.False(File.Exists(Path.Combine(dir, RetainedTopicLedger.FileName)));
    }

    [Fact]
    public async Task Forget_without_a_reachable_broker_fails_with_the_reason_and_exit_69()
    {
        var dir = StateDir();
        var config = Path.Combine(dir, "appliance.json");
        var port = MosquittoBroker.FreePort();
        await File.WriteAllTextAsync(config, $$"""{ "Mqtt": { "Enabled": true, "Host": "127.0.0.1", "Port": {{port}}, "DeviceId": "dev1", "StateDirectory": "{{dir}}" } }""");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await VoiceAppliance.Cli.CommandLine.RunAsync(["mqtt", "forget", "--config", config, "--timeout", "2"], stdout, stderr, CancellationToken.None);
        Assert.True(code == 69, $"exit {code}; stdout: {stdout}; stderr: {stderr}");
        Assert.Contains("not reachable", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(64, await VoiceAppliance.Cli.CommandLine.RunAsync(["mqtt", "forget", "--timeout", "0"], stdout, stderr, CancellationToken.None));
        Assert.Equal(64, await VoiceAppliance.Cli.CommandLine.RunAsync(["mqtt"], stdout, stderr, CancellationToken.None));
    }

    [RequiresProgramFact("mosquitto")]
    public void The_birth_message_on_homeassistant_status_re_announces_even_with_a_custom_prefix()
    {
        var broker = Broker();
        var service = StartService(MqttTestOptions.For(broker, StateDir()) with { DiscoveryPrefix = "ha2" });
        AtEnd(() => StopService(service));
        using var peer = new TestPeer(broker.Port, filters: ["ha2/device/dev1/config"]);
        WaitOnline(broker, "dev1");
        peer.WaitFor("ha2/device/dev1/config");

        peer.Clear();
        peer.Publish("homeassistant/status", "online");
        Assert.False(peer.WaitFor("ha2/device/dev1/config").Retain); // a live re-announcement, not the retained copy
        peer.Clear();
        peer.Publish("ha2/status", "online");
        peer.WaitFor("ha2/device/dev1/config");
    }

    [Fact]
    public void A_retired_entity_is_announced_with_its_platform_only_and_errors_have_an_entity()
    {
        var options = new MqttOptions { Enabled = true, DeviceId = "dev1" };
        var message = HomeAssistantDiscovery.Build(options, new MqttTopics(options), [("say_text", "text")]);
        var json = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(message, MqttJsonContext.Default.DiscoveryMessage)).RootElement;
        var cmps = json.GetProperty("cmps");
        var retired = cmps.GetProperty("dev1_say_text");
        Assert.Equal("text", retired.GetProperty("p").GetString());
        Assert.Single(retired.EnumerateObject()); // {"p":"text"}: Home Assistant removes that entity only
        var error = cmps.GetProperty("dev1_error");
        Assert.Equal("event", error.GetProperty("p").GetString());
        Assert.Equal("appliance/dev1/error", error.GetProperty("state_topic").GetString());
        Assert.Contains("refused", error.GetProperty("event_types").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain(HomeAssistantDiscovery.Retired, r => cmps.GetProperty("dev1_" + r.Suffix).EnumerateObject().Count() != 1);
    }
}
