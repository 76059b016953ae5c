namespace VoiceAppliance.Models.WakeWord;

/// <summary>One wake word a <see cref="WakeWordDetector"/> listens for, with its own threshold.</summary>
/// <param name="Model">The classifier.</param>
/// <param name="Threshold">Score (0..1) at or above which the word is detected; openWakeWord's models are trained for 0.5.</param>
public sealed record WakeWordTarget(WakeWordModel Model, float Threshold = 0.5f);
