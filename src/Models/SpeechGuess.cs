namespace VoiceAppliance.Models;

/// <summary>A transcription of an utterance that may not be finished.</summary>
/// <param name="Text">The transcript when the engine accepted it; empty otherwise.</param>
/// <param name="Confidence">Confidence in [0, 1] of the accepted transcript (0 when none).</param>
/// <param name="Unfinished">
/// The audio ends part-way through what the engine recognises: for the grammar recogniser, no command of the grammar
/// can be completed by the audio heard (<c>set a timer for</c>, <c>turn off the</c>), so the user is probably still
/// speaking; false for a complete command and for speech outside the grammar.
/// </param>
public sealed record SpeechGuess(string Text, float Confidence, bool Unfinished)
{
    /// <summary>
    /// The engine's best word sequence whether or not it accepted it (a closed grammar forces audio onto its nearest
    /// command, so a refused guess still has one); empty when the engine has no path or reports none.
    /// </summary>
    public string BestPath { get; init; } = string.Empty;

    /// <summary>Confidence in [0, 1] of <see cref="BestPath"/>, accepted or not (0 when none).</summary>
    public float BestPathConfidence { get; init; }

    /// <summary>
    /// Where the last word of <see cref="BestPath"/> starts, from the start of the audio; null when the engine has no
    /// path or reports no word timings.
    /// </summary>
    public TimeSpan? LastWordStart { get; init; }
}
