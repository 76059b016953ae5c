using VoiceAppliance.Models;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Reads a guess taken in a pause against where the VAD last heard speech. A closed grammar forces audio onto its
/// nearest command, so in a pause after <c>set the volume to</c> its best path can end in a word the user never said
/// (<c>two</c>), placed in the silence after the speech; refused for low confidence, such a guess looked neither
/// unfinished nor complete, and the plain window cut the user off. A best path whose last word starts after the last
/// voiced frame (less <see cref="Tolerance"/>) is judged by the words before it: that is what the user said so far.
/// Pure and allocation-light (one substring per pause); unit-tested on its own.
/// </summary>
internal static class PauseGuessJudgement
{
    /// <summary>
    /// How far before the VAD's last voiced frame the last word may start and still count as lying in the pause:
    /// Silero's probability falls below the silence threshold a window or two after the speech ends (its context and
    /// the hysteresis), so the forced word, which the search starts where the speech stops, begins a little before it.
    /// </summary>
    internal static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The least confidence of the best path for its last word to be read as forced onto a pause after a command's
    /// first words: speech outside the grammar forced onto a command scores lower (mostly 0-0.05 on the grammar bench's
    /// other speech), and must not wait longer than the plain window.
    /// </summary>
    internal const float MinPathConfidence = 0.1f;

    /// <summary>
    /// The words of <paramref name="guess"/>'s best path before its last word when that word starts in the pause, at
    /// or after <paramref name="lastVoiced"/> (the end of the VAD's last voiced window, from the start of the guessed
    /// audio) less <see cref="Tolerance"/>; null when the last word overlaps the speech, the guess has no word timings,
    /// the path scored under <see cref="MinPathConfidence"/>, or it has a single word (nothing said before it to judge).
    /// </summary>
    public static string? SpokenPrefix(SpeechGuess guess, TimeSpan lastVoiced)
    {
        ArgumentNullException.ThrowIfNull(guess);
        if (guess.LastWordStart is not { } start || start < lastVoiced - Tolerance || !(guess.BestPathConfidence >= MinPathConfidence))
        {
            return null;
        }

        var path = guess.BestPath.Trim();
        var space = path.LastIndexOf(' ');
        return space <= 0 ? null : path[..space].TrimEnd();
    }
}
