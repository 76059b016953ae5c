using System.Threading.Channels;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Fans pipeline events out to any number of subscribers, in order. Each subscriber gets its own bounded
/// channel. Full mode is <see cref="BoundedChannelFullMode.DropOldest"/>: publishing never waits, so a slow
/// subscriber can never stall the audio path, and when it falls behind it loses its oldest events and keeps
/// the newest (an LED follower still ends on the current state). Every drop is counted in
/// <see cref="PipelineEventSubscription.Dropped"/> and in <see cref="TotalDropped"/>.
/// </summary>
public sealed class PipelineEventBroadcaster
{
    /// <summary>Default events a subscriber may have unread before the oldest are dropped.</summary>
    public const int DefaultCapacity = 256;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private PipelineEventSubscription[] _subscribers = [];
    private long _sequence;
    private long _totalDropped;

    /// <summary>Creates a broadcaster that stamps events with <paramref name="timeProvider"/>.</summary>
    public PipelineEventBroadcaster(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
    }

    /// <summary>Events dropped across all subscribers since start.</summary>
    public long TotalDropped => Interlocked.Read(ref _totalDropped);

    /// <summary>Events published since start.</summary>
    public long Published => Interlocked.Read(ref _sequence);

    /// <summary>
    /// Subscribes to every event published from now on. Dispose the subscription to leave; its reader then
    /// completes.
    /// </summary>
    /// <param name="capacity">Unread events kept before the oldest are dropped (at least 1).</param>
    public PipelineEventSubscription Subscribe(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var subscription = new PipelineEventSubscription(this, capacity);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    /// <summary>
    /// Stamps <paramref name="pipelineEvent"/> with the next sequence number and the time, and hands it to
    /// every subscriber. Never waits. Returns the stamped event.
    /// </summary>
    public PipelineEvent Publish(PipelineEvent pipelineEvent)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        lock (_gate)
        {
            // Sequence and write order are decided under one lock, so every subscriber sees the same order.
            var stamped = pipelineEvent with { Sequence = ++_sequence, Timestamp = _time.GetUtcNow() };
            foreach (var subscriber in _subscribers)
            {
                subscriber.Offer(stamped);
            }

            return stamped;
        }
    }

    /// <summary>Completes every subscriber's stream (the pipeline stopped).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.CompleteWriter();
            }

            _subscribers = [];
        }
    }

    internal void Remove(PipelineEventSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(s => !ReferenceEquals(s, subscription))];
        }
    }

    internal void CountDrop() => Interlocked.Increment(ref _totalDropped);
}
