using System.Globalization;

namespace VoiceAppliance.Pipeline;

/// <summary>How the microphone's end of an utterance is found from VAD probabilities.</summary>
public sealed record EndpointingOptions
{
    /// <summary>Configuration section, for messages.</summary>
    public const string Section = "Pipeline:Endpointing";

    /// <summary>Silence after speech that ends the utterance (default 0.7 s).</summary>
    public TimeSpan SilenceToEnd { get; init; } = TimeSpan.FromSeconds(0.7);

    /// <summary>Speech needed before it counts as speech (shorter bursts are noise; default 0.25 s).</summary>
    public TimeSpan MinSpeech { get; init; } = TimeSpan.FromSeconds(0.25);

    /// <summary>Audio kept from before the speech start (default 0.3 s).</summary>
    public TimeSpan PrefixPadding { get; init; } = TimeSpan.FromSeconds(0.3);

    /// <summary>Hard cap on one utterance (default 15 s).</summary>
    public TimeSpan MaxUtterance { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Listening with no speech for this long ends the session with no_speech (default 5 s).</summary>
    public TimeSpan NoSpeechTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>VAD probability at or above which a window is speech (default 0.5).</summary>
    public float SpeechThreshold { get; init; } = 0.5f;

    /// <summary>VAD probability below which a window is silence once in speech (default 0.35; hysteresis).</summary>
    public float SilenceThreshold { get; init; } = 0.35f;

    /// <summary>Options with <paramref name="preset"/>'s silence to end and the other defaults.</summary>
    public static EndpointingOptions FromPreset(EndpointingPreset preset) => preset switch
    {
        EndpointingPreset.Default => new EndpointingOptions(),
        EndpointingPreset.Relaxed => new EndpointingOptions { SilenceToEnd = TimeSpan.FromSeconds(1.25) },
        EndpointingPreset.Aggressive => new EndpointingOptions { SilenceToEnd = TimeSpan.FromSeconds(0.25) },
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Pipeline:Endpointing:Preset must be Default, Relaxed or Aggressive."),
    };

    internal void Validate(List<string> errors)
    {
        OptionChecks.Range(errors, Section, nameof(SilenceToEnd), SilenceToEnd, TimeSpan.FromMilliseconds(32), TimeSpan.FromSeconds(10));
        OptionChecks.Range(errors, Section, nameof(MinSpeech), MinSpeech, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        OptionChecks.Range(errors, Section, nameof(PrefixPadding), PrefixPadding, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        OptionChecks.Range(errors, Section, nameof(MaxUtterance), MaxUtterance, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        OptionChecks.Range(errors, Section, nameof(NoSpeechTimeout), NoSpeechTimeout, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(120));
        OptionChecks.Probability(errors, Section, nameof(SpeechThreshold), SpeechThreshold);
        OptionChecks.Probability(errors, Section, nameof(SilenceThreshold), SilenceThreshold);
        if (SilenceThreshold > SpeechThreshold)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{Section}:{nameof(SilenceThreshold)} is {SilenceThreshold}, above {nameof(SpeechThreshold)} {SpeechThreshold}; it must be at most the speech threshold (for example 0.35 with 0.5)."));
        }

        if (MinSpeech >= MaxUtterance)
        {
            errors.Add($"{Section}:{nameof(MinSpeech)} ({OptionChecks.Seconds(MinSpeech)}) must be shorter than {nameof(MaxUtterance)} ({OptionChecks.Seconds(MaxUtterance)}).");
        }
    }
}
