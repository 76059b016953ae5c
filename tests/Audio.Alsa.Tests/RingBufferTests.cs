namespace VoiceAppliance.Audio.Alsa.Tests;

public sealed class RingBufferTests
{
    [Fact]
    public void Capacity_is_rounded_up_to_a_power_of_two()
    {
        Assert.Equal(2048, new SpscRingBuffer(1600).Capacity);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpscRingBuffer(1));
    }

    [Fact]
    public void Wraps_around_in_order()
    {
        var ring = new SpscRingBuffer(8);
        var out3 = new float[3];
        for (var round = 0; round < 10; round++)
        {
            ring.Write([round, round + 0.1f, round + 0.2f]);
            Assert.Equal(3, ring.Read(out3));
            Assert.Equal([round, round + 0.1f, round + 0.2f], out3);
        }

        Assert.Equal(0, ring.Count);
        Assert.Equal(0, ring.DroppedSamples);
    }

    [Fact]
    public void Overflow_drops_the_oldest_and_counts_them()
    {
        var ring = new SpscRingBuffer(8);
        Assert.Equal(0, ring.Write([1, 2, 3, 4, 5, 6]));
        Assert.Equal(4, ring.Write([7, 8, 9, 10, 11, 12]));
        Assert.Equal(4, ring.DroppedSamples);
        var all = new float[16];
        Assert.Equal(8, ring.Read(all));
        Assert.Equal([5, 6, 7, 8, 9, 10, 11, 12], all[..8]);

        // A write larger than the whole ring keeps its newest samples.
        Assert.Equal(12, ring.Write(Enumerable.Range(0, 20).Select(i => (float)i).ToArray()));
        Assert.Equal(8, ring.Read(all));
        Assert.Equal(Enumerable.Range(12, 8).Select(i => (float)i).ToArray(), all[..8]);
        Assert.Equal(16, ring.DroppedSamples);
    }

    [Fact]
    public void Concurrent_producer_and_consumer_lose_nothing_but_what_is_counted()
    {
        const int Total = 2_000_000;
        var ring = new SpscRingBuffer(4096);
        var producer = new Thread(() =>
        {
            var chunk = new float[97];
            for (var next = 0; next < Total;)
            {
                var n = Math.Min(chunk.Length, Total - next);
                for (var i = 0; i < n; i++)
                {
                    chunk[i] = next + i;
                }

                ring.Write(chunk.AsSpan(0, n));
                next += n;
            }
        });
        producer.Start();
        var received = 0L;
        var last = -1f;
        var gaps = 0L;
        var buffer = new float[61];
        while (producer.IsAlive || ring.Count > 0)
        {
            var n = ring.Read(buffer);
            if (n == 0)
            {
                Thread.Yield();
            }

            for (var i = 0; i < n; i++)
            {
                Assert.True(buffer[i] > last, $"sample {buffer[i]} after {last}: out of order or torn");
                gaps += (long)(buffer[i] - last - 1);
                last = buffer[i];
            }

            received += n;
        }

        producer.Join();
        received += ring.Read(buffer);
        Assert.Equal(Total - 1, last);
        Assert.Equal(Total, received + ring.DroppedSamples);
        Assert.Equal(ring.DroppedSamples, gaps);
    }
}
