using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>Settings of <see cref="AlsaCapture"/>.</summary>
public sealed record AlsaCaptureOptions
{
    /// <summary>PCM name: <c>default</c>, <c>plughw:CARD=...,DEV=0</c>, or a PCM of <see cref="ConfigurationFile"/>.</summary>
    public string Device { get; init; } = "default";

    /// <summary>
    /// A private asoundrc: when set, <see cref="Device"/> is looked up only there (snd_pcm_open_lconf). The file
    /// is read again at every (re)open, so a swapped file takes effect on the next reopen.
    /// </summary>
    public string? ConfigurationFile { get; init; }

    /// <summary>The mic (array) profile: channels, format, rate and default channel selection.</summary>
    public MicArrayProfile Profile { get; init; } = MicArrayProfile.Generic;

    /// <summary>Overrides the profile's channel selection.</summary>
    public ChannelSelection? Selection { get; init; }

    /// <summary>Overrides the profile's format.</summary>
    public AlsaSampleFormat? Format { get; init; }

    /// <summary>Overrides the profile's device rate.</summary>
    public int? SampleRate { get; init; }

    /// <summary>Overrides the profile's channel count.</summary>
    public int? Channels { get; init; }

    /// <summary>Device frames per period (one wake-up of the capture thread); default 20 ms worth.</summary>
    public int? PeriodFrames { get; init; }

    /// <summary>Periods in the device buffer.</summary>
    public int Periods { get; init; } = 4;

    /// <summary>
    /// <c>SCHED_FIFO</c> priority of the audio thread (1..99; 0 = normal scheduling). Denied (no CAP_SYS_NICE, and
    /// <c>RLIMIT_RTPRIO</c> below it) falls back to normal scheduling with one warning per process.
    /// </summary>
    public int RealTimePriority { get; init; }

    /// <summary>Linear gain applied during conversion (1 = unchanged).</summary>
    public float Gain { get; init; } = 1f;

    /// <summary>Remove the DC offset.</summary>
    public bool RemoveDc { get; init; } = true;

    /// <summary>Output rate (the VAD and STT want 16000).</summary>
    public int OutputRate { get; init; } = 16000;

    /// <summary>Seconds of 16 kHz audio the ring buffer holds before the oldest is dropped.</summary>
    public double RingSeconds { get; init; } = 4;

    /// <summary>Sleep between reads so that frames arrive at the device rate (for <c>type file</c> PCMs, which are not paced).</summary>
    public bool PaceInRealTime { get; init; }

    /// <summary>With <see cref="PaceInRealTime"/>: how many times faster than real time to pace (demos; default 1).</summary>
    public double PaceSpeed { get; init; } = 1;

    /// <summary>Stop after this many device frames (file PCMs repeat stale data past the end of their infile). Null: run until disposed.</summary>
    public long? MaxFrames { get; init; }

    /// <summary>First delay before reopening a lost device.</summary>
    public TimeSpan ReopenInitialDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Cap of the reopen delay (doubles from <see cref="ReopenInitialDelay"/>).</summary>
    public TimeSpan ReopenMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    internal AlsaPcmSettings ToPcmSettings()
    {
        var rate = SampleRate ?? Profile.SampleRate;
        return new AlsaPcmSettings
        {
            Format = Format ?? Profile.Format,
            SampleRate = rate,
            Channels = Channels ?? Profile.Channels,
            PeriodFrames = PeriodFrames ?? Math.Max(64, rate / 50),
            Periods = Periods,
        };
    }
}
