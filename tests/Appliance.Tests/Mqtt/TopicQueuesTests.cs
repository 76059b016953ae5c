using VoiceAppliance.Mqtt;

namespace VoiceAppliance.Tests.Mqtt;

public sealed class TopicQueuesTests
{
    [Fact]
    public async Task A_flood_on_one_topic_drops_only_its_own_oldest_and_order_holds_across_topics()
    {
        using var queues = new TopicQueues<string>(perKeyCount: 4, perKeyBytes: 1 << 20);
        Assert.Equal(0, queues.Enqueue("stop", "stop-1", 1));
        for (var i = 0; i < 1000; i++)
        {
            queues.Enqueue("volume/set", $"volume-{i}", 2);
        }

        Assert.Equal(0, queues.Enqueue("say", "say-1", 5));

        Assert.Equal(996, queues.Dropped);
        Assert.Equal(new Dictionary<string, long> { ["volume/set"] = 996 }, queues.DroppedByKey);
        string[] expected = ["stop-1", "volume-996", "volume-997", "volume-998", "volume-999", "say-1"];
        foreach (var item in expected)
        {
            Assert.Equal(item, await queues.DequeueAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        }

        // Nothing left: a read waits (the surplus releases of dropped messages do not return anything).
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queues.DequeueAsync(cts.Token));
    }

    [Fact]
    public async Task The_byte_bound_keeps_one_topic_from_holding_more_than_its_share_but_keeps_the_newest()
    {
        using var queues = new TopicQueues<int>(perKeyCount: 100, perKeyBytes: 1000);
        for (var i = 0; i < 10; i++)
        {
            queues.Enqueue("intercom/play", i, 400);
        }

        Assert.Equal(8, queues.Dropped);
        Assert.Equal(8, await queues.DequeueAsync(CancellationToken.None));
        Assert.Equal(9, await queues.DequeueAsync(CancellationToken.None));

        // One message larger than the bound is still delivered (the parser bounds single payloads).
        queues.Enqueue("intercom/play", 42, 5000);
        Assert.Equal(42, await queues.DequeueAsync(CancellationToken.None));
    }
}
