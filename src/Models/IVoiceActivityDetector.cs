namespace VoiceAppliance.Models;

/// <summary>
/// Voice activity detection over fixed windows of 16 kHz mono audio. One instance per audio stream; it
/// keeps the model's recurrent state between windows.
/// </summary>
public interface IVoiceActivityDetector : IDisposable
{
    /// <summary>Input sample rate (16000).</summary>
    int SampleRate { get; }

    /// <summary>Samples per window (512 at 16 kHz for Silero).</summary>
    int WindowSamples { get; }

    /// <summary>Speech probability in [0, 1] for the next window. Allocates nothing.</summary>
    float Process(ReadOnlySpan<float> window);

    /// <summary>Clears the stream state (between sessions).</summary>
    void Reset();
}
