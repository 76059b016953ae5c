namespace VoiceAppliance.Mqtt;

/// <summary>
/// The incoming command queue, bounded per topic: each key (a command name, or one shared key for unknown ones) holds
/// at most <see cref="PerKeyCount"/> messages and <see cref="PerKeyBytes"/> bytes, and a flood on one topic drops that
/// topic's oldest messages (counted per key) without touching the others, so a thousand <c>volume/set</c> cannot push
/// out the <c>stop</c> sent after them. Messages come out in arrival order across keys. The writer (the network thread)
/// never waits.
/// </summary>
/// <typeparam name="T">The message.</typeparam>
internal sealed class TopicQueues<T> : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _available = new(0);
    private long _sequence;
    private long _dropped;

    /// <summary>Creates the queues.</summary>
    public TopicQueues(int perKeyCount, long perKeyBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perKeyCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perKeyBytes, 1);
        PerKeyCount = perKeyCount;
        PerKeyBytes = perKeyBytes;
    }

    /// <summary>Most messages one key holds.</summary>
    public int PerKeyCount { get; }

    /// <summary>Most bytes one key holds (one message is always kept, whatever its size; the parser bounds it).</summary>
    public long PerKeyBytes { get; }

    /// <summary>Messages dropped so far, all keys.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages dropped so far per key.</summary>
    public IReadOnlyDictionary<string, long> DroppedByKey
    {
        get
        {
            lock (_gate)
            {
                return _buckets.Where(b => b.Value.Dropped > 0).ToDictionary(b => b.Key, b => b.Value.Dropped, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Queues <paramref name="item"/> under <paramref name="key"/>; returns how many older messages of that key it pushed out.</summary>
    public int Enqueue(string key, T item, int bytes)
    {
        var dropped = 0;
        lock (_gate)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                _buckets[key] = bucket = new Bucket();
            }

            bucket.Items.Enqueue((++_sequence, item, bytes));
            bucket.Bytes += bytes;
            while (bucket.Items.Count > 1 && (bucket.Items.Count > PerKeyCount || bucket.Bytes > PerKeyBytes))
            {
                var (_, _, size) = bucket.Items.Dequeue();
                bucket.Bytes -= size;
                bucket.Dropped++;
                dropped++;
            }
        }

        if (dropped > 0)
        {
            Interlocked.Add(ref _dropped, dropped);
        }

        _available.Release();
        return dropped;
    }

    /// <summary>The oldest message of all keys; waits for one.</summary>
    public async ValueTask<T> DequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                Bucket? oldest = null;
                foreach (var bucket in _buckets.Values)
                {
                    if (bucket.Items.Count > 0 && (oldest is null || bucket.Items.Peek().Sequence < oldest.Items.Peek().Sequence))
                    {
                        oldest = bucket;
                    }
                }

                // None: a release whose message was dropped by a later one of its key; wait for the next.
                if (oldest is not null)
                {
                    var (_, item, size) = oldest.Items.Dequeue();
                    oldest.Bytes -= size;
                    return item;
                }
            }
        }
    }

    /// <summary>Releases the wait handle; call after the reader stopped.</summary>
    public void Dispose() => _available.Dispose();

    private sealed class Bucket
    {
        public Queue<(long Sequence, T Item, int Bytes)> Items { get; } = new();

        public long Bytes { get; set; }

        public long Dropped { get; set; }
    }
}
