namespace VoiceAppliance.Models;

/// <summary>Per-request synthesis controls; null fields take the voice's defaults.</summary>
public sealed record SynthesisOptions
{
    /// <summary>Speaker id of a multi-speaker voice.</summary>
    public int? Speaker { get; init; }

    /// <summary>Speed factor: 1 is normal, 2 twice as fast (Piper's length scale is its inverse).</summary>
    public float? Speed { get; init; }

    /// <summary>Silence after each sentence.</summary>
    public TimeSpan? SentenceSilence { get; init; }

    /// <summary>Output gain, 0-1.</summary>
    public float? Volume { get; init; }
}
