using VoiceAppliance.Models;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Reads a guess taken in a pause against where the VAD last heard speech. A closed grammar forces audio onto its
/// nearest command, so in a pause after <c>set the volume to</c> its best path can end in a word the user never said
/// (<c>two</c>), placed in the silence after the speech; refused for low confidence, such a guess looked neither
/// unfinished nor complete, and the plain window cut the user off. A guess the other rules leave to the window (refused,
/// or accepted below <see cref="EarlyEndpointOptions.MinConfidence"/>) whose best path's last word starts after the last
/// voiced frame (less <see cref="Tolerance"/>) is judged by the words before it: that is what the user said so far.
/// Pure and allocation-light (one substring per pause); the pipeline (<see cref="TurnRunner"/>) and the endpointing
/// bench read a guess through <see cref="Judge"/>.
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
    /// first words: speech outside the grammar forced onto a command mostly scores lower (0-0.05 on the grammar bench's
    /// other speech) and should not wait longer than the plain window, while the forced number itself drags a real
    /// command's first words down to 0.09 (Piper speaker 100, <c>set the volume to</c> + <c>two</c> in the pause).
    /// </summary>
    internal const float MinPathConfidence = 0.07f;

    /// <summary>
    /// What a pause's guess means. Unfinished (the engine heard half a command) -> <see cref="PauseVerdict.Unfinished"/>.
    /// Accepted with at least <see cref="EarlyEndpointOptions.MinConfidence"/>: a command nothing can continue ->
    /// <see cref="PauseVerdict.EndNow"/> (never with MinConfidence 1), one that may continue ->
    /// <see cref="PauseVerdict.Continuable"/>. Refused or less confident, with a last word in the pause
    /// (<see cref="SpeculativeTranscript.SpokenPrefix"/>): the words before it, a strict prefix of a command ->
    /// <see cref="PauseVerdict.Unfinished"/>, a command that may continue -> <see cref="PauseVerdict.Continuable"/>.
    /// Anything else -> <see cref="PauseVerdict.Window"/>. <paramref name="completeness"/> is the workflow's
    /// (<see cref="Workflows.IVoiceWorkflow.Completeness"/>); its exceptions propagate.
    /// </summary>
    public static PauseVerdict Judge(SpeculativeTranscript guess, EarlyEndpointOptions options, Func<string, CompletenessKind> completeness)
    {
        ArgumentNullException.ThrowIfNull(guess);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(completeness);
        if (guess.Unfinished)
        {
            return PauseVerdict.Unfinished;
        }

        if (guess.Text.Length > 0 && guess.Confidence >= options.MinConfidence)
        {
            // A confident guess keeps its own judgement, so a complete command still ends early.
            return completeness(guess.Text) switch
            {
                CompletenessKind.CompleteCanContinue => PauseVerdict.Continuable,
                CompletenessKind.CompleteFinal when options.MinConfidence < 1f => PauseVerdict.EndNow, // a confidence is clamped to 1: MinConfidence 1 never ends early
                _ => PauseVerdict.Window,
            };
        }

        if (guess.SpokenPrefix is { } spoken)
        {
            return completeness(spoken) switch
            {
                CompletenessKind.Prefix => PauseVerdict.Unfinished,
                CompletenessKind.CompleteCanContinue => PauseVerdict.Continuable,
                _ => PauseVerdict.Window,
            };
        }

        return PauseVerdict.Window;
    }

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
