using VoiceAppliance.Hosting;
using VoiceAppliance.Testing;
using VoiceAppliance.Tests.Mqtt;

namespace VoiceAppliance.Tests.Hosting;

/// <summary>Intents' publish actions reach a real broker through the daemon's publisher.</summary>
public sealed class MqttMessagePublisherTests
{
    [RequiresProgramFact("mosquitto")]
    public async Task Intent_publish_actions_go_out_on_their_own_topic_and_nothing_without_mqtt()
    {
        await new MqttMessagePublisher().PublishAsync("home/kitchen/light/set", "on", CancellationToken.None); // no MQTT: dropped, no error

        using var broker = MosquittoBroker.Start();
        var stateDir = MqttTestOptions.NewStateDir();
        using var peer = new TestPeer(broker.Port, null, true, "home/#");
        var service = new VoiceAppliance.Mqtt.MqttService(MqttTestOptions.For(broker, stateDir), new RecordingHandler(), new ListLogger());
        await service.StartAsync(CancellationToken.None);
        try
        {
            var publisher = new MqttMessagePublisher { Target = service };
            await publisher.PublishAsync("home/kitchen/light/set", "on", CancellationToken.None);
            var message = peer.WaitFor("home/kitchen/light/set", null, 20);
            Assert.Equal("on", message.Text);
            Assert.False(message.Retain);
        }
        finally
        {
            await service.DisposeAsync();
            Directory.Delete(stateDir, true);
        }
    }
}
