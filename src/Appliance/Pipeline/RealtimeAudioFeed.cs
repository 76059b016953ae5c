namespace VoiceAppliance.Pipeline;

/// <summary>
/// The ring between the audio thread and a realtime provider's sender (<see cref="IRealtimeAudioSource"/>), one per
/// controller, allocated once when a server-side turn detection is configured. <see cref="Write"/> (audio thread,
/// under the controller's lock) copies into the ring and rings a doorbell (a <see cref="SemaphoreSlim"/> of at most one
/// count, never disposed: a late reader must not fault; no allocation); when the ring is full the rest of the window is dropped and counted. Each
/// listening turn opens a generation (<see cref="Begin"/>); a reader of an older generation reads nothing more.
/// </summary>
#pragma warning disable CA1001 // the doorbell is never disposed: a sender that reads after the pipeline stopped must not fault (it has no wait handle to leak)
internal sealed class RealtimeAudioFeed
#pragma warning restore CA1001
{
    private readonly float[] _ring;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _bell = new(0, 1);
    private long _written;
    private long _read;
    private long _dropped;
    private int _generation;
    private bool _ended;

    /// <summary>Creates a ring of <paramref name="capacity"/> samples.</summary>
    public RealtimeAudioFeed(int capacity) => _ring = new float[capacity];

    /// <summary>The ring's size in samples.</summary>
    public int Capacity => _ring.Length;

    /// <summary>
    /// A new listening turn reads from here on. <paramref name="keepPending"/>: what is in the ring and not yet read
    /// (speech over the reply that started a barge-in) stays for the new turn; else it is forgotten.
    /// </summary>
    public int Begin(bool keepPending)
    {
        lock (_lock)
        {
            _generation++;
            _ended = false;
            _dropped = 0;
            if (!keepPending)
            {
                _read = _written;
            }

            return _generation;
        }
    }

    /// <summary>Copies <paramref name="samples"/> in for <paramref name="generation"/>; what does not fit is dropped and counted.</summary>
    public void Write(int generation, ReadOnlySpan<float> samples)
    {
        lock (_lock)
        {
            if (generation != _generation || _ended)
            {
                return;
            }

            var free = _ring.Length - (int)(_written - _read);
            var n = Math.Min(free, samples.Length);
            _dropped += samples.Length - n;
            var at = (int)(_written % _ring.Length);
            var first = Math.Min(n, _ring.Length - at);
            samples[..first].CopyTo(_ring.AsSpan(at));
            samples[first..n].CopyTo(_ring);
            _written += n;
        }

        Ring();
    }

    /// <summary>No more audio for <paramref name="generation"/>: its reader gets what is left, then 0.</summary>
    public void End(int generation)
    {
        lock (_lock)
        {
            if (generation != _generation)
            {
                return;
            }

            _ended = true;
        }

        Ring();
    }

    /// <summary>Samples dropped in <paramref name="generation"/> (0 once a newer one began).</summary>
    public long Dropped(int generation)
    {
        lock (_lock)
        {
            return generation == _generation ? _dropped : 0;
        }
    }

    /// <summary>Reads for <paramref name="generation"/>; see <see cref="IRealtimeAudioSource.ReadAsync"/>.</summary>
    public async ValueTask<int> ReadAsync(int generation, Memory<float> buffer, int minimum, CancellationToken cancellationToken)
    {
        minimum = Math.Clamp(minimum, 1, buffer.Length);
        var passOn = false;
        while (!passOn)
        {
            lock (_lock)
            {
                if (generation != _generation)
                {
                    passOn = true; // a doorbell this stale reader took was meant for the current one
                    break;
                }

                var available = (int)(_written - _read);
                if (available >= minimum || (_ended && available > 0))
                {
                    var n = Math.Min(available, buffer.Length);
                    var at = (int)(_read % _ring.Length);
                    var first = Math.Min(n, _ring.Length - at);
                    _ring.AsSpan(at, first).CopyTo(buffer.Span);
                    _ring.AsSpan(0, n - first).CopyTo(buffer.Span[first..]);
                    _read += n;
                    return n;
                }

                if (_ended)
                {
                    return 0;
                }
            }

            await _bell.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        Ring();
        return 0;
    }

    private void Ring()
    {
        // At most one pending release (the semaphore's maximum is 1): a reader that wakes re-checks the ring.
        if (_bell.CurrentCount == 0)
        {
            try
            {
                _bell.Release();
            }
            catch (SemaphoreFullException)
            {
                // another writer rang it meanwhile
            }
        }
    }
}
