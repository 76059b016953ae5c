namespace VoiceAppliance.Models.Vad;

/// <summary>Whether a boundary starts or ends speech.</summary>
public enum SpeechBoundaryKind
{
    /// <summary>Speech starts at the sample.</summary>
    Start,

    /// <summary>Speech ends at the sample (exclusive).</summary>
    End,
}
