namespace VoiceAppliance.Models;

/// <summary>A transcription of an utterance that may not be finished.</summary>
/// <param name="Text">The transcript when the engine accepted it; empty otherwise.</param>
/// <param name="Confidence">Confidence in [0, 1] of the accepted transcript (0 when none).</param>
/// <param name="Unfinished">
/// The audio ends part-way through what the engine recognises: for the grammar recogniser, no command of the grammar
/// can be completed by the audio heard (<c>set a timer for</c>, <c>turn off the</c>), so the user is probably still
/// speaking; false for a complete command and for speech outside the grammar.
/// </param>
public sealed record SpeechGuess(string Text, float Confidence, bool Unfinished);
