namespace VoiceAppliance.Models;

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

    /// <summary>
    /// Whether a whole utterance decodes in a small fraction of its length and the result depends only on the
    /// speech, so the pipeline may transcribe the utterance so far during a pause and keep the result when the
    /// silence ends the utterance (the grammar STT). Default false: transcribed once, after the endpoint.
    /// </summary>
    bool TranscribesSpeculatively => false;
}
