namespace VoiceAppliance.Models;

/// <summary>
/// A speech-to-text engine that can transcribe a long utterance piece by piece: each piece is decoded with the text
/// already transcribed before it as the decoder's context, so a pipeline can transcribe committed windows while the
/// user still speaks and, at the endpoint, decode only the tail (whisper: the text goes in as the initial prompt).
/// </summary>
public interface IIncrementalSpeechToText : ISpeechToText
{
    /// <summary>
    /// Transcribes <paramref name="audio"/>, a piece of a longer utterance that follows <paramref name="precedingText"/>.
    /// </summary>
    /// <param name="audio">The piece, 16 kHz mono.</param>
    /// <param name="precedingText">What was said before the piece (empty for the first one).</param>
    /// <param name="threads">CPU threads for this decode; 0 takes the engine's own setting (a background decode uses fewer).</param>
    /// <param name="cancellationToken">Cancels the decode, native code included.</param>
    IAsyncEnumerable<TranscriptSegment> TranscribeContinuationAsync(ReadOnlyMemory<float> audio, string precedingText, int threads, CancellationToken cancellationToken);
}
