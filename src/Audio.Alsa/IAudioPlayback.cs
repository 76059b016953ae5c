namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// The speaker as the pipeline sees it. Audio is queued at its own rate and converted to the device rate.
/// </summary>
public interface IAudioPlayback : IAsyncDisposable
{
    /// <summary>Software volume, 0-100.</summary>
    int Volume { get; set; }

    /// <summary>How much of the audio written since the last <see cref="StopImmediately"/> has been heard.</summary>
    TimeSpan PlayedPosition { get; }

    /// <summary>Queues mono samples at <paramref name="sampleRate"/>; returns once they are accepted.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<float> samples, int sampleRate, CancellationToken cancellationToken);

    /// <summary>Completes when everything queued has been played (heard).</summary>
    ValueTask DrainAsync(CancellationToken cancellationToken);

    /// <summary>Fades the current audio out over <paramref name="duration"/>, then stops.</summary>
    ValueTask FadeOutAsync(TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Stops at once, discarding queued audio (barge-in).</summary>
    void StopImmediately();
}
