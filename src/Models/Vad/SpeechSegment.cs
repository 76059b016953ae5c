namespace VoiceAppliance.Models.Vad;

/// <summary>A speech segment [Start, End) in samples.</summary>
/// <param name="Start">First sample.</param>
/// <param name="End">One past the last sample.</param>
public readonly record struct SpeechSegment(long Start, long End)
{
    /// <summary>Length in samples.</summary>
    public long Length => End - Start;
}
