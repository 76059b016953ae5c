using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Tests.Pipeline;

/// <summary>The ring between the audio thread and a realtime server's sender (<see cref="RealtimeAudioFeed"/>).</summary>
public sealed class RealtimeAudioFeedTests
{
    [Fact]
    public void Writing_a_window_allocates_nothing_and_a_full_ring_drops_and_counts_instead_of_growing()
    {
        var feed = new RealtimeAudioFeed(2048);
        var generation = feed.Begin(keepPending: false);
        var window = new float[512];
        feed.Write(generation, window); // first use: the doorbell's count
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            feed.Write(generation, window);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal((1001 * 512) - 2048, feed.Dropped(generation));
    }

    [Fact]
    public async Task The_reader_gets_the_samples_in_order_across_the_wrap_then_the_rest_and_0_after_the_end()
    {
        var feed = new RealtimeAudioFeed(1000);
        var generation = feed.Begin(keepPending: false);
        var got = new List<float>();
        var buffer = new float[300];
        var next = 0f;
        for (var round = 0; round < 5; round++)
        {
            var window = new float[512];
            for (var i = 0; i < window.Length; i++)
            {
                window[i] = next++;
            }

            feed.Write(generation, window);
            while (true)
            {
                using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                int n;
                try
                {
                    n = await feed.ReadAsync(generation, buffer, 200, soon.Token);
                }
                catch (OperationCanceledException)
                {
                    break; // fewer than 200 waiting: the reader waits for more
                }

                got.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }

        feed.End(generation);
        int last;
        while ((last = await feed.ReadAsync(generation, buffer, 200, CancellationToken.None)) > 0)
        {
            got.AddRange(buffer.AsSpan(0, last).ToArray());
        }

        Assert.Equal(Enumerable.Range(0, 5 * 512).Select(i => (float)i), got);
        Assert.Equal(0, feed.Dropped(generation));
    }

    [Fact]
    public async Task A_new_turn_ends_the_old_readers_stream_and_keeps_or_forgets_what_was_not_read()
    {
        var feed = new RealtimeAudioFeed(4096);
        var first = feed.Begin(keepPending: false);
        feed.Write(first, Enumerable.Repeat(1f, 600).ToArray());
        var buffer = new float[4096];

        var barge = feed.Begin(keepPending: true); // a barge-in: the speech over the answer is the new turn's
        Assert.Equal(0, await feed.ReadAsync(first, buffer, 1, CancellationToken.None));
        feed.Write(first, new float[100]); // a stale writer: ignored
        Assert.Equal(600, await feed.ReadAsync(barge, buffer, 600, CancellationToken.None));

        feed.Write(barge, new float[300]);
        var fresh = feed.Begin(keepPending: false);
        feed.Write(fresh, Enumerable.Repeat(2f, 50).ToArray());
        feed.End(fresh);
        Assert.Equal(50, await feed.ReadAsync(fresh, buffer, 50, CancellationToken.None));
        Assert.All(buffer[..50], s => Assert.Equal(2f, s));
        Assert.Equal(0, await feed.ReadAsync(fresh, buffer, 1, CancellationToken.None));
    }
}
