using System.Globalization;

namespace VoiceAppliance.Pipeline;

/// <summary>The voice pipeline's settings. Validate with <see cref="Validate"/> at start.</summary>
public sealed record PipelineOptions
{
    /// <summary>Configuration section, for messages.</summary>
    public const string Section = "Pipeline";

    /// <summary>Endpointing.</summary>
    public EndpointingOptions Endpointing { get; init; } = new();

    /// <summary>Barge-in.</summary>
    public BargeInOptions BargeIn { get; init; } = new();

    /// <summary>Speculative transcription in the silence window (grammar STT).</summary>
    public EarlyEndpointOptions EarlyEndpoint { get; init; } = new();

    /// <summary>Incremental speculation of whisper turns while the user speaks.</summary>
    public SpeculationOptions Speculation { get; init; } = new();

    /// <summary>Wake words beside the button.</summary>
    public WakeWordOptions WakeWord { get; init; } = new();

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
        ArgumentNullException.ThrowIfNull(EarlyEndpoint);
        Endpointing.Validate(errors);
        BargeIn.Validate(errors);
        EarlyEndpoint.Validate(errors);
        ArgumentNullException.ThrowIfNull(Speculation);
        Speculation.Validate(errors);
        ArgumentNullException.ThrowIfNull(WakeWord);
        WakeWord.Validate(errors);
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
