namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// The microphone as the pipeline sees it: 16 kHz mono float32, read in fixed windows. Implemented over
/// ALSA capture (ring buffer + DSP) and, for the demo and tests, over a WAV file.
/// </summary>
public interface IAudioCapture : IAsyncDisposable
{
    /// <summary>Output sample rate (16000).</summary>
    int SampleRate { get; }

    /// <summary>Samples dropped since start because the reader fell behind (ring buffer overflow).</summary>
    long DroppedSamples { get; }

    /// <summary>
    /// Fills <paramref name="destination"/> completely with the next samples, waiting as needed.
    /// Returns false when the source has ended (a file source at its end). Allocates nothing.
    /// </summary>
    ValueTask<bool> ReadAsync(Memory<float> destination, CancellationToken cancellationToken);
}

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
