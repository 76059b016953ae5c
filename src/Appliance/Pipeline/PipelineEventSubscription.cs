using System.Threading.Channels;

namespace VoiceAppliance.Pipeline;

/// <summary>One subscriber's ordered view of the pipeline's events.</summary>
public sealed class PipelineEventSubscription : IAsyncEnumerable<PipelineEvent>, IDisposable
{
    private readonly PipelineEventBroadcaster _owner;
    private readonly Channel<PipelineEvent> _channel;
    private long _dropped;

    internal PipelineEventSubscription(PipelineEventBroadcaster owner, int capacity)
    {
        _owner = owner;
        _channel = Channel.CreateBounded<PipelineEvent>(
            new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = false,
                SingleWriter = true,
            },
            _ =>
            {
                Interlocked.Increment(ref _dropped);
                _owner.CountDrop();
            });
    }

    /// <summary>The events, in order. Completes when the subscription is disposed or the pipeline stops.</summary>
    public ChannelReader<PipelineEvent> Reader => _channel.Reader;

    /// <summary>Events this subscriber lost because it fell behind (oldest first).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    public IAsyncEnumerator<PipelineEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _channel.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Leaves the broadcast; the reader completes after the events already queued.</summary>
    public void Dispose()
    {
        _owner.Remove(this);
        CompleteWriter();
    }

    internal void Offer(PipelineEvent pipelineEvent) => _channel.Writer.TryWrite(pipelineEvent);

    internal void CompleteWriter() => _channel.Writer.TryComplete();
}
