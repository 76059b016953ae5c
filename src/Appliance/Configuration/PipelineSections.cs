using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Configuration;

/// <summary>
/// The configuration sections that feed the voice pipeline's own options records (<see cref="EndpointingOptions"/>,
/// <see cref="BargeInOptions"/>, <see cref="PipelineOptions"/>), so the file and the pipeline share one shape.
/// </summary>
public static class PipelineSections
{
    /// <summary>Section name for endpointing.</summary>
    public const string Endpointing = "Endpointing";

    /// <summary>Section name for barge-in.</summary>
    public const string BargeIn = "BargeIn";

    /// <summary>Section name for the rest of the pipeline's settings.</summary>
    public const string Pipeline = "Pipeline";

    /// <summary>
    /// Reads <c>Endpointing</c>: <c>Preset</c> (default | relaxed | aggressive) sets the silence that ends a turn
    /// (0.7 / 1.25 / 0.25 s); <c>SilenceMs</c>, <c>MinSpeechMs</c>, <c>PrefixPaddingMs</c>, <c>MaxUtteranceSeconds</c>,
    /// <c>NoSpeechTimeoutSeconds</c>, <c>Threshold</c> and <c>ExitThreshold</c> override single values.
    /// </summary>
    public static EndpointingOptions ReadEndpointing(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var preset = EndpointingOptions.FromPreset(r.GetEnum("Preset", EndpointingPreset.Default));
        var threshold = (float)r.GetDouble("Threshold", preset.SpeechThreshold, 0.05, 0.95);
        var options = preset with
        {
            SpeechThreshold = threshold,
            SilenceThreshold = (float)r.GetDouble("ExitThreshold", Math.Max(0.01, threshold - 0.15), 0.01, 0.95),
            SilenceToEnd = r.GetMilliseconds("SilenceMs", preset.SilenceToEnd, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10)),
            MinSpeech = r.GetMilliseconds("MinSpeechMs", preset.MinSpeech, TimeSpan.Zero, TimeSpan.FromSeconds(5)),
            PrefixPadding = r.GetMilliseconds("PrefixPaddingMs", preset.PrefixPadding, TimeSpan.Zero, TimeSpan.FromSeconds(2)),
            MaxUtterance = TimeSpan.FromSeconds(r.GetInt("MaxUtteranceSeconds", (int)preset.MaxUtterance.TotalSeconds, 1, 120)),
            NoSpeechTimeout = TimeSpan.FromSeconds(r.GetInt("NoSpeechTimeoutSeconds", (int)preset.NoSpeechTimeout.TotalSeconds, 1, 120)),
        };
        if (options.SilenceThreshold > options.SpeechThreshold)
        {
            r.Error("ExitThreshold", $"{options.SilenceThreshold} is above Threshold ({options.SpeechThreshold}); the exit threshold must not exceed the speech threshold.");
        }

        if (options.NoSpeechTimeout > options.MaxUtterance)
        {
            r.Warning("NoSpeechTimeoutSeconds", $"{options.NoSpeechTimeout.TotalSeconds} s is longer than MaxUtteranceSeconds ({options.MaxUtterance.TotalSeconds} s) and never applies.");
        }

        return options;
    }

    /// <summary>
    /// Reads <c>BargeIn</c>: <c>Mode</c> (disabled | hard-cut | soft-fade), <c>EchoCancelled</c> (the mic channel is
    /// echo-cancelled, e.g. USB Mic Array v2.0 channel 0: listen while speaking), <c>MinSpeechMs</c>, <c>FadeMs</c>,
    /// <c>ResumeWindowMs</c>.
    /// </summary>
    public static BargeInOptions ReadBargeIn(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var d = new BargeInOptions();
        return new BargeInOptions
        {
            Mode = r.GetEnum("Mode", d.Mode),
            EchoCancelled = r.GetBool("EchoCancelled", d.EchoCancelled),
            ConfirmSpeech = r.GetMilliseconds("MinSpeechMs", d.ConfirmSpeech, TimeSpan.Zero, TimeSpan.FromSeconds(5)),
            FadeDuration = r.GetMilliseconds("FadeMs", d.FadeDuration, TimeSpan.Zero, TimeSpan.FromSeconds(2)),
            ResumeWindow = r.GetMilliseconds("ResumeWindowMs", d.ResumeWindow, TimeSpan.Zero, TimeSpan.FromSeconds(5)),
        };
    }

    /// <summary>
    /// Reads <c>Pipeline</c>: <c>WatchdogSeconds</c> (a stuck turn is ended after this long) and
    /// <c>FollowUpTimeoutSeconds</c> (how long a follow-up turn waits for speech).
    /// </summary>
    public static PipelineTimings ReadPipeline(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var d = new PipelineOptions();
        return new PipelineTimings(
            TimeSpan.FromSeconds(r.GetInt("WatchdogSeconds", (int)d.WatchdogTimeout.TotalSeconds, 5, 600)),
            TimeSpan.FromSeconds(r.GetInt("FollowUpTimeoutSeconds", (int)d.FollowUpTimeout.TotalSeconds, 1, 60)));
    }
}

/// <summary>The <c>Pipeline</c> section: timings outside endpointing and barge-in.</summary>
/// <param name="Watchdog">Stuck-turn watchdog.</param>
/// <param name="FollowUpTimeout">Follow-up turn wait.</param>
public sealed record PipelineTimings(TimeSpan Watchdog, TimeSpan FollowUpTimeout);
