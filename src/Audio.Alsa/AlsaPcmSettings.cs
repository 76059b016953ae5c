using System.Runtime.InteropServices;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>What to ask a PCM for. The device may adjust rate, period and buffer; <see cref="AlsaPcm.Accepted"/> says what it took.</summary>
public sealed record AlsaPcmSettings
{
    /// <summary>Sample format.</summary>
    public AlsaSampleFormat Format { get; init; } = AlsaSampleFormat.S16LE;

    /// <summary>Frames per second.</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Interleaved channels.</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Frames per period (one wake-up of the capture thread).</summary>
    public int PeriodFrames { get; init; } = 1024;

    /// <summary>Periods in the device buffer.</summary>
    public int Periods { get; init; } = 4;

    /// <summary>Let alsa-lib resample when the hardware lacks the rate (plug devices do anyway).</summary>
    public bool AllowSoftwareResample { get; init; } = true;
}
