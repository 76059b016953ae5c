namespace VoiceAppliance.Models;

/// <summary>A piece of recognised text with its time span in the utterance.</summary>
/// <param name="Text">Recognised text.</param>
/// <param name="Start">Start offset in the audio.</param>
/// <param name="End">End offset in the audio.</param>
/// <param name="Confidence">Confidence in [0, 1], or NaN when the engine gives none.</param>
public sealed record TranscriptSegment(string Text, TimeSpan Start, TimeSpan End, float Confidence);
