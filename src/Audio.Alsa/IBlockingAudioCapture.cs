namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// A microphone that a dedicated thread reads by blocking: no async state machine and no thread-pool hop per read
/// (the capture thread wakes the reader directly). <see cref="AlsaCapture"/> is one.
/// </summary>
public interface IBlockingAudioCapture : IAudioCapture
{
    /// <summary>True once the capture has ended (a file source at its end, disposed, or its thread failed).</summary>
    bool HasEnded { get; }

    /// <summary>What ended the capture when its thread failed, else null.</summary>
    Exception? Failure { get; }

    /// <summary>Samples waiting to be read.</summary>
    int BufferedSamples { get; }

    /// <summary>Copies up to <paramref name="destination"/>.Length samples that are ready, without waiting.</summary>
    int TryRead(Span<float> destination);

    /// <summary>
    /// Blocks until at least <paramref name="count"/> samples are buffered or the capture has ended (true), or
    /// <paramref name="timeout"/> passed (false). Allocates nothing.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    bool WaitForSamples(int count, TimeSpan timeout, CancellationToken cancellationToken);
}
