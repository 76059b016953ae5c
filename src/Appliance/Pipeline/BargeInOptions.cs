using System.Globalization;

namespace VoiceAppliance.Pipeline;

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
