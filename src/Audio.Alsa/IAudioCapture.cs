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
