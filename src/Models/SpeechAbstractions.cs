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

/// <summary>A piece of recognised text with its time span in the utterance.</summary>
/// <param name="Text">Recognised text.</param>
/// <param name="Start">Start offset in the audio.</param>
/// <param name="End">End offset in the audio.</param>
/// <param name="Confidence">Confidence in [0, 1], or NaN when the engine gives none.</param>
public sealed record TranscriptSegment(string Text, TimeSpan Start, TimeSpan End, float Confidence);

/// <summary>
/// Speech to text over one utterance of 16 kHz mono audio. Engines load their model once and keep
/// per-utterance state cheap; results stream as segments.
/// </summary>
public interface ISpeechToText
{
    /// <summary>Engine name for reports and logs, for example "whisper" or "grammar".</summary>
    string Name { get; }

    /// <summary>Transcribes <paramref name="audio"/>; cancellation reaches native code.</summary>
    IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken);
}

/// <summary>Per-request synthesis controls; null fields take the voice's defaults.</summary>
public sealed record SynthesisOptions
{
    /// <summary>Speaker id of a multi-speaker voice.</summary>
    public int? Speaker { get; init; }

    /// <summary>Speed factor: 1 is normal, 2 twice as fast (Piper's length scale is its inverse).</summary>
    public float? Speed { get; init; }

    /// <summary>Silence after each sentence.</summary>
    public TimeSpan? SentenceSilence { get; init; }

    /// <summary>Output gain, 0-1.</summary>
    public float? Volume { get; init; }
}

/// <summary>A chunk of synthesized mono audio and the sentence it belongs to.</summary>
/// <param name="Samples">Mono float samples in [-1, 1].</param>
/// <param name="SampleRate">Sample rate of <paramref name="Samples"/>.</param>
/// <param name="SentenceIndex">Zero-based index of the sentence within the request.</param>
/// <param name="Text">The sentence text.</param>
public sealed record AudioChunk(ReadOnlyMemory<float> Samples, int SampleRate, int SentenceIndex, string Text);

/// <summary>
/// Text to speech. Audio streams per sentence so the first sentence can play while later ones are
/// synthesized; cancellation stops between sentences at once.
/// </summary>
public interface ITextToSpeech
{
    /// <summary>Engine/voice name for reports.</summary>
    string Name { get; }

    /// <summary>The voice's native sample rate.</summary>
    int SampleRate { get; }

    /// <summary>Synthesizes <paramref name="text"/> sentence by sentence.</summary>
    IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, CancellationToken cancellationToken);
}
