namespace VoiceAppliance.Models.Vad;

/// <summary>A speech start or end at a sample position of the stream (padding included).</summary>
/// <param name="Kind">Start or end.</param>
/// <param name="Sample">Sample index from the start of the stream.</param>
public readonly record struct SpeechBoundary(SpeechBoundaryKind Kind, long Sample);
