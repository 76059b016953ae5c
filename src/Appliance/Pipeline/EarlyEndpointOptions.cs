namespace VoiceAppliance.Pipeline;

/// <summary>
/// Answering before the silence window ends (issue 17): after a short pause in the user's speech, the speech-to-text
/// engine transcribes the utterance so far in the background; if the silence then ends the utterance with no new
/// speech, that guess is the transcript (no second decode), and if the user speaks again it is dropped unseen.
/// Engines that decode a whole utterance fast speculate on all of it (the grammar STT); whisper, with
/// <see cref="SpeculationOptions.Incremental"/> on, guesses only the tail after the windows committed while the user spoke.
/// </summary>
public sealed record EarlyEndpointOptions
{
    /// <summary>Configuration section, for messages.</summary>
    public const string Section = "Pipeline:EarlyEndpoint";

    /// <summary>Speculate during the silence window (default on; it applies to the grammar STT only).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Silence after speech before the speculative transcription starts (default 0.15 s; 32 ms to 5 s). Nothing is
    /// speculated when it is not shorter than <see cref="EndpointingOptions.SilenceToEnd"/>. 0.2 s until session 11:
    /// <c>bench pause-guesses</c> gave the same verdicts at 0.12, 0.15 and 0.2 s, and <c>bench endpointing</c> cut no
    /// user at 0.12 s; shorter pauses start more guesses that speech then cancels (a wasted decode each).
    /// </summary>
    public TimeSpan Pause { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// A speculative transcript ends the turn at once (an early endpoint) when the engine accepted it with at least
    /// this confidence (<see cref="Models.TranscriptSegment.Confidence"/>; for the grammar STT the likelihood ratio
    /// against free phone decoding in units of the voice's fit, whose rejection threshold is 0.131 by default) and the workflow says it is a complete command
    /// nothing can continue. Default 0.3; 1 never ends early.
    /// </summary>
    public float MinConfidence { get; init; } = 0.3f;

    /// <summary>
    /// When the guess is an unfinished command (the engine says the audio stops inside every command it could be:
    /// <c>set a timer for</c>, <c>turn off the</c>), the pause may last this long before it ends the utterance, so a
    /// user who hesitates is not cut off (default 1.5 s; 0 to 5 s; at or below
    /// <see cref="EndpointingOptions.SilenceToEnd"/> it changes nothing). Speech outside the grammar and finished
    /// commands keep the normal window.
    /// </summary>
    public TimeSpan UnfinishedSilence { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// When the guess is an accepted command the user may continue (<c>set the volume to forty</c>, which may go on to
    /// <c>forty five percent</c>), the pause may last this long (default 1 s; 0 to 5 s; at or below
    /// <see cref="EndpointingOptions.SilenceToEnd"/> it changes nothing), so a user who pauses before the rest is not
    /// cut off; a command that cannot continue ends at once, as before.
    /// </summary>
    public TimeSpan ContinuableSilence { get; init; } = TimeSpan.FromMilliseconds(1000);

    internal void Validate(List<string> errors)
    {
        OptionChecks.Range(errors, Section, nameof(Pause), Pause, TimeSpan.FromMilliseconds(32), TimeSpan.FromSeconds(5));
        OptionChecks.Range(errors, Section, nameof(UnfinishedSilence), UnfinishedSilence, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        OptionChecks.Range(errors, Section, nameof(ContinuableSilence), ContinuableSilence, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        if (!(MinConfidence >= 0f && MinConfidence <= 1f))
        {
            errors.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Section}:{nameof(MinConfidence)} is {MinConfidence}; allowed: 0 to 1."));
        }
    }
}
