namespace VoiceAppliance.Models;

/// <summary>
/// A speech-to-text engine that can judge an utterance the user may not have finished (a pause mid-command): besides
/// the transcript, it says whether the audio ended in the middle of everything it can recognise.
/// </summary>
public interface ISpeculativeSpeechToText : ISpeechToText
{
    /// <summary>Transcribes <paramref name="audio"/> (the utterance so far) as a guess.</summary>
    Task<SpeechGuess> GuessAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken);
}
