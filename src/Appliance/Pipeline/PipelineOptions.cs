using System.Globalization;

namespace VoiceAppliance.Pipeline;

/// <summary>Endpointing presets (Home Assistant's figures for silence to end).</summary>
public enum EndpointingPreset
{
    /// <summary>0.7 s of silence ends the utterance.</summary>
    Default,

    /// <summary>1.25 s: for people who pause while speaking.</summary>
    Relaxed,

    /// <summary>0.25 s: snappy short commands.</summary>
    Aggressive,
}

/// <summary>What the device does when the user talks (or presses the button) while it speaks.</summary>
public enum BargeInMode
{
    /// <summary>The reply always plays to the end; triggers while speaking are ignored (stop still works).</summary>
    Disabled,

    /// <summary>Stop playback at once when speech is confirmed (or on a trigger) and listen.</summary>
    HardCut,

    /// <summary>Fade playback out at the first speech; listen if the speech is confirmed, resume the reply if it stops within the resume window.</summary>
    SoftFade,
}

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

/// <summary>Barge-in: the user interrupting the device's reply.</summary>
public sealed record BargeInOptions
{
    /// <summary>Configuration section, for messages.</summary>
    public const string Section = "Pipeline:BargeIn";

    /// <summary>What happens (default <see cref="BargeInMode.HardCut"/>).</summary>
    public BargeInMode Mode { get; init; } = BargeInMode.HardCut;

    /// <summary>
    /// The microphone signal is echo-cancelled (a hardware-AEC channel such as the USB Mic Array v2.0
    /// channel 0, or a software canceller), so the pipeline may listen while it speaks and barge in on
    /// speech. False (default): the microphone is gated while speaking and only triggers barge in, so
    /// the device never transcribes itself.
    /// </summary>
    public bool EchoCancelled { get; init; }

    /// <summary>Speech during playback needed to confirm a barge-in (default 0.3 s).</summary>
    public TimeSpan ConfirmSpeech { get; init; } = TimeSpan.FromSeconds(0.3);

    /// <summary>Soft-fade: the fade-out time (default 0.2 s).</summary>
    public TimeSpan FadeDuration { get; init; } = TimeSpan.FromSeconds(0.2);

    /// <summary>Soft-fade: if the speech stops within this window unconfirmed, the reply resumes (default 0.6 s).</summary>
    public TimeSpan ResumeWindow { get; init; } = TimeSpan.FromSeconds(0.6);

    internal void Validate(List<string> errors)
    {
        if (!Enum.IsDefined(Mode))
        {
            errors.Add($"{Section}:{nameof(Mode)} is '{Mode}'; allowed: Disabled, HardCut, SoftFade.");
        }

        OptionChecks.Range(errors, Section, nameof(ConfirmSpeech), ConfirmSpeech, TimeSpan.FromMilliseconds(32), TimeSpan.FromSeconds(3));
        OptionChecks.Range(errors, Section, nameof(FadeDuration), FadeDuration, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        OptionChecks.Range(errors, Section, nameof(ResumeWindow), ResumeWindow, TimeSpan.FromMilliseconds(32), TimeSpan.FromSeconds(5));
    }
}

/// <summary>The voice pipeline's settings. Validate with <see cref="Validate"/> at start.</summary>
public sealed record PipelineOptions
{
    /// <summary>Configuration section, for messages.</summary>
    public const string Section = "Pipeline";

    /// <summary>Endpointing.</summary>
    public EndpointingOptions Endpointing { get; init; } = new();

    /// <summary>Barge-in.</summary>
    public BargeInOptions BargeIn { get; init; } = new();

    /// <summary>
    /// Any state other than Idle and Muted that makes no progress for this long is stuck: the watchdog
    /// ends the session with reason timeout (default 30 s). Re-armed on each state change and on each
    /// reply chunk played.
    /// </summary>
    public TimeSpan WatchdogTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a follow-up turn (the workflow asked to continue) waits for speech (default 5 s).</summary>
    public TimeSpan FollowUpTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait before reading the microphone again after it failed (doubles up to 30 s; default 0.5 s).</summary>
    public TimeSpan CaptureRetryDelay { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> listing each bad key, its value and what is allowed.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        ArgumentNullException.ThrowIfNull(Endpointing);
        ArgumentNullException.ThrowIfNull(BargeIn);
        Endpointing.Validate(errors);
        BargeIn.Validate(errors);
        OptionChecks.Range(errors, Section, nameof(WatchdogTimeout), WatchdogTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        OptionChecks.Range(errors, Section, nameof(FollowUpTimeout), FollowUpTimeout, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(120));
        OptionChecks.Range(errors, Section, nameof(CaptureRetryDelay), CaptureRetryDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(30));
        if (WatchdogTimeout <= Endpointing.MaxUtterance)
        {
            errors.Add($"{Section}:{nameof(WatchdogTimeout)} ({OptionChecks.Seconds(WatchdogTimeout)}) must be longer than {EndpointingOptions.Section}:{nameof(EndpointingOptions.MaxUtterance)} ({OptionChecks.Seconds(Endpointing.MaxUtterance)}), or it would cut normal utterances.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid pipeline configuration:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors));
        }
    }
}

internal static class OptionChecks
{
    public static string Seconds(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###} s");

    public static void Range(List<string> errors, string section, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{section}:{key} is {Seconds(value)}; allowed: {Seconds(min)} to {Seconds(max)}.");
        }
    }

    public static void Probability(List<string> errors, string section, string key, float value)
    {
        if (!(value > 0f && value < 1f))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:{key} is {value}; allowed: a probability between 0 and 1 (exclusive)."));
        }
    }
}
