namespace VoiceAppliance.Models.Vad;

/// <summary>Silero's segmentation parameters (snakers4/silero-vad <c>get_speech_timestamps</c> defaults).</summary>
public sealed record SpeechSegmenterOptions
{
    /// <summary>Probability at or above which a window is speech.</summary>
    public float Threshold { get; init; } = 0.5f;

    /// <summary>Probability below which a window is silence while in speech; null means <see cref="Threshold"/> - 0.15.</summary>
    public float? ExitThreshold { get; init; }

    /// <summary>Shorter speech is dropped.</summary>
    public TimeSpan MinSpeech { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Silence that ends speech.</summary>
    public TimeSpan MinSilence { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Padding added before each start and after each end.</summary>
    public TimeSpan SpeechPad { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>
    /// Longest speech segment; longer speech is split at its longest silence of at least 98 ms (or cut hard when
    /// there is none). Null: no limit.
    /// </summary>
    public TimeSpan? MaxSpeech { get; init; }

    /// <summary>The defaults.</summary>
    public static SpeechSegmenterOptions Default { get; } = new();

    internal float EffectiveExitThreshold => ExitThreshold ?? Math.Max(0.01f, Threshold - 0.15f);

    internal void Validate()
    {
        if (!(Threshold > 0f && Threshold < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "the VAD threshold must be between 0 and 1 (exclusive), for example 0.5");
        }

        if (!(EffectiveExitThreshold > 0f && EffectiveExitThreshold <= Threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(ExitThreshold), ExitThreshold, "the VAD exit threshold must be above 0 and at most the threshold, for example threshold - 0.15");
        }

        if (MinSpeech < TimeSpan.Zero || MinSilence < TimeSpan.Zero || SpeechPad < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MinSpeech), "VAD durations (min speech, min silence, speech pad) must not be negative");
        }

        if (MaxSpeech is { } max && max <= MinSpeech)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSpeech), max, "the VAD max speech must be longer than min speech");
        }
    }
}
