namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// A lock-free single-producer / single-consumer ring buffer of float samples with a power-of-two
/// capacity. One thread writes (<see cref="Write"/>), one other thread reads (<see cref="Read"/>,
/// <see cref="Peek"/>, <see cref="Skip"/>); nothing allocates after construction.
/// </summary>
/// <remarks>
/// Positions are free-running 64-bit counters (never wrap in practice); the index is the counter masked
/// by capacity-1. The producer publishes samples with a release store of <c>_writePosition</c> after
/// copying them; the consumer publishes freed space with a release store of <c>_readPosition</c>;
/// each side reads the other's counter with an acquire load (<see cref="Volatile"/>).
/// On overflow the producer drops the OLDEST samples: it advances the read position itself with a
/// compare-and-swap, so a consumer that advanced concurrently is never moved backwards, and counts
/// what it dropped (<see cref="DroppedSamples"/>). A consumer reading while the producer overwrites
/// detects it (its read position was moved past what it copied) and retries, so it never returns
/// torn data.
/// </remarks>
public sealed class SpscRingBuffer
{
    private readonly float[] _buffer;
    private readonly long _mask;
    private long _writePosition;
    private long _readPosition;
    private long _dropped;

    /// <summary>Creates a ring of at least <paramref name="minimumCapacity"/> samples (rounded up to a power of two).</summary>
    public SpscRingBuffer(int minimumCapacity)
    {
        if (minimumCapacity is < 2 or > (1 << 30))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumCapacity), minimumCapacity, "ring capacity must be 2 to 2^30 samples");
        }

        var capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)minimumCapacity);
        _buffer = GC.AllocateArray<float>(capacity, pinned: true);
        _mask = capacity - 1;
    }

    /// <summary>Capacity in samples (a power of two).</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Samples ready to read.</summary>
    public int Count
    {
        get
        {
            var w = Volatile.Read(ref _writePosition);
            var r = Volatile.Read(ref _readPosition);
            return (int)Math.Clamp(w - r, 0, _buffer.Length);
        }
    }

    /// <summary>Samples dropped (oldest first) because the reader fell behind.</summary>
    public long DroppedSamples => Interlocked.Read(ref _dropped);

    /// <summary>Total samples written since creation.</summary>
    public long TotalWritten => Volatile.Read(ref _writePosition);

    /// <summary>
    /// Producer: appends <paramref name="samples"/>. When there is no room, the oldest samples are
    /// dropped and counted. Returns the number of samples dropped by this call.
    /// </summary>
    public int Write(ReadOnlySpan<float> samples)
    {
        var dropped = 0;
        if (samples.Length > _buffer.Length)
        {
            dropped += samples.Length - _buffer.Length;
            samples = samples[^_buffer.Length..];
        }

        var w = _writePosition; // only this thread writes it
        var needFree = samples.Length;
        while (true)
        {
            var r = Volatile.Read(ref _readPosition);
            var free = _buffer.Length - (w - r);
            if (free >= needFree)
            {
                break;
            }

            var newRead = r + (needFree - free);
            if (Interlocked.CompareExchange(ref _readPosition, newRead, r) == r)
            {
                dropped += (int)(newRead - r);
                break;
            }
        }

        var index = (int)(w & _mask);
        var first = Math.Min(samples.Length, _buffer.Length - index);
        samples[..first].CopyTo(_buffer.AsSpan(index));
        samples[first..].CopyTo(_buffer);
        Volatile.Write(ref _writePosition, w + samples.Length);
        if (dropped > 0)
        {
            Interlocked.Add(ref _dropped, dropped);
        }

        return dropped;
    }

    /// <summary>
    /// Consumer: copies up to <paramref name="destination"/>.Length samples out and frees them. Returns the
    /// number copied (0 when empty).
    /// </summary>
    public int Read(Span<float> destination)
    {
        while (true)
        {
            var r = Volatile.Read(ref _readPosition);
            var n = CopyOut(r, destination);
            if (n == 0)
            {
                return 0;
            }

            // Publish the new read position unless the producer overwrote (moved it) meanwhile.
            if (Interlocked.CompareExchange(ref _readPosition, r + n, r) == r)
            {
                return n;
            }
        }
    }

    /// <summary>Consumer: discards everything currently readable. Returns how many samples were discarded.</summary>
    public int Clear()
    {
        while (true)
        {
            var r = Volatile.Read(ref _readPosition);
            var w = Volatile.Read(ref _writePosition);
            if (w <= r || Interlocked.CompareExchange(ref _readPosition, w, r) == r)
            {
                return (int)Math.Max(0, w - r);
            }
        }
    }

    private int CopyOut(long r, Span<float> destination)
    {
        var w = Volatile.Read(ref _writePosition);
        var available = (int)Math.Min(w - r, _buffer.Length);
        var n = Math.Min(available, destination.Length);
        if (n <= 0)
        {
            return 0;
        }

        var index = (int)(r & _mask);
        var first = Math.Min(n, _buffer.Length - index);
        _buffer.AsSpan(index, first).CopyTo(destination);
        _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        return n;
    }
}
