namespace VoiceAppliance.Pipeline;

/// <summary>
/// One listening turn's side of the <see cref="RealtimeAudioFeed"/> (<see cref="IRealtimeAudioSource"/>): the front end
/// writes the turn's audio through it while it is the turn's stream, the provider's sender reads it, and the controller
/// says how listening ended (<see cref="ListeningEnded"/>).
/// </summary>
internal sealed class RealtimeAudioStream : IRealtimeAudioSource
{
    private readonly RealtimeAudioFeed _feed;
    private readonly int _generation;
    private readonly TaskCompletionSource<UtteranceEnd> _deviceEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RealtimeAudioStream(RealtimeAudioFeed feed, bool keepPending)
    {
        _feed = feed;
        _generation = feed.Begin(keepPending);
    }

    public long DroppedSamples => _feed.Dropped(_generation);

    public Task<UtteranceEnd> DeviceEnded => _deviceEnded.Task;

    /// <summary>The utterance as the device kept it when listening ended (the local path's audio if the provider fails).</summary>
    public ReadOnlyMemory<float> Utterance { get; private set; }

    /// <summary>Whether listening has ended (by the server or the device).</summary>
    public bool ListeningOver { get; private set; }

    /// <summary>Audio thread, under the controller's lock: the turn's next samples.</summary>
    public void Write(ReadOnlySpan<float> samples) => _feed.Write(_generation, samples);

    /// <summary>
    /// Under the controller's lock: listening ended (<paramref name="how"/>: <see cref="UtteranceEnd.Server"/> when the
    /// server ended it), the device kept <paramref name="utterance"/>. A device end also ends the stream once the sender
    /// has read the rest.
    /// </summary>
    public void ListeningEnded(UtteranceEnd how, ReadOnlyMemory<float> utterance)
    {
        Utterance = utterance;
        ListeningOver = true;
        if (how != UtteranceEnd.Server)
        {
            _feed.End(_generation);
            _deviceEnded.TrySetResult(how);
        }
    }

    public ValueTask<int> ReadAsync(Memory<float> buffer, int minimum, CancellationToken cancellationToken) =>
        _feed.ReadAsync(_generation, buffer, minimum, cancellationToken);
}
