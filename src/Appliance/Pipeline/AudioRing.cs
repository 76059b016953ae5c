namespace VoiceAppliance.Pipeline;

/// <summary>
/// A fixed ring of the most recent audio (the pre-roll): speech is confirmed a little after it starts, so
/// the start and the prefix padding before it are taken from here. Allocated once.
/// </summary>
public sealed class AudioRing
{
    private readonly float[] _buffer;
    private long _written;
    private int _count;

    /// <summary>Creates a ring of <paramref name="capacity"/> samples.</summary>
    public AudioRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _buffer = new float[capacity];
    }

    /// <summary>Capacity in samples.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Samples ever written (not reset by <see cref="Clear"/>): a position in the stream.</summary>
    public long Total { get; private set; }

    /// <summary>Samples available (at most the capacity).</summary>
    public int Count => _count;

    /// <summary>Appends samples, overwriting the oldest.</summary>
    public void Write(ReadOnlySpan<float> samples)
    {
        Total += samples.Length;
        _count = (int)Math.Min((long)_count + samples.Length, _buffer.Length);
        if (samples.Length >= _buffer.Length)
        {
            samples[^_buffer.Length..].CopyTo(_buffer);
            _written += samples.Length;
            // Normalise the write position so the ring's start is index 0.
            _written -= _written % _buffer.Length;
            return;
        }

        var pos = (int)(_written % _buffer.Length);
        var first = Math.Min(samples.Length, _buffer.Length - pos);
        samples[..first].CopyTo(_buffer.AsSpan(pos));
        samples[first..].CopyTo(_buffer);
        _written += samples.Length;
    }

    /// <summary>Copies the last <paramref name="count"/> samples (fewer if fewer exist) to <paramref name="destination"/>; returns how many.</summary>
    public int CopyLast(int count, Span<float> destination)
    {
        count = Math.Min(Math.Min(count, Count), destination.Length);
        var end = (int)(_written % _buffer.Length);
        var start = end - count;
        if (start >= 0)
        {
            _buffer.AsSpan(start, count).CopyTo(destination);
        }
        else
        {
            var tail = -start;
            _buffer.AsSpan(_buffer.Length - tail, tail).CopyTo(destination);
            _buffer.AsSpan(0, end).CopyTo(destination[tail..]);
        }

        return count;
    }

    /// <summary>Forgets the content.</summary>
    public void Clear()
    {
        _written = 0;
        _count = 0;
    }

    /// <summary>Forgets the newest <paramref name="count"/> samples (all if fewer exist); the next write follows what is left.</summary>
    public void DropLast(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        count = Math.Min(count, _count);
        _written -= count;
        _count -= count;
    }
}
