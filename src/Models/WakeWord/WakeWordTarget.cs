namespace VoiceAppliance.Models.WakeWord;

/// <summary>One wake word a <see cref="WakeWordDetector"/> listens for, with its own threshold.</summary>
/// <param name="Model">The classifier.</param>
/// <param name="Threshold">Score (0..1) at or above which the word is detected; openWakeWord's models are trained for 0.5.</param>
/// <param name="Patience">
/// Consecutive 80 ms frames that must score at or above <paramref name="Threshold"/> before the word counts (1: the
/// first such frame; openWakeWord's <c>patience</c>). Each frame more removes one-frame spikes and adds 80 ms.
/// </param>
public sealed record WakeWordTarget(WakeWordModel Model, float Threshold = 0.5f, int Patience = 1)
{
    /// <summary>The most frames <see cref="Patience"/> may ask for (0.8 s).</summary>
    public const int MaxPatience = 10;
}
