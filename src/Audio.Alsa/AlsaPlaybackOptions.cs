using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>Settings of <see cref="AlsaPlayback"/>.</summary>
public sealed record AlsaPlaybackOptions
{
    /// <summary>PCM name: <c>default</c>, <c>plughw:CARD=...,DEV=0</c>, or a PCM of <see cref="ConfigurationFile"/>.</summary>
    public string Device { get; init; } = "default";

    /// <summary>A private asoundrc in which <see cref="Device"/> is looked up (read at every (re)open).</summary>
    public string? ConfigurationFile { get; init; }

    /// <summary>Device rate; every source rate is resampled to it.</summary>
    public int SampleRate { get; init; } = 48000;

    /// <summary>Device channels (1 or 2; mono audio is copied to both).</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Frames per period; default 20 ms worth.</summary>
    public int? PeriodFrames { get; init; }

    /// <summary>Periods in the device buffer.</summary>
    public int Periods { get; init; } = 4;

    /// <summary>
    /// <c>SCHED_FIFO</c> priority of the audio thread (1..99; 0 = normal scheduling). Denied (no CAP_SYS_NICE, and
    /// <c>RLIMIT_RTPRIO</c> below it) falls back to normal scheduling with one warning per process.
    /// </summary>
    public int RealTimePriority { get; init; }

    /// <summary>Initial volume, 0-100.</summary>
    public int Volume { get; init; } = 100;

    /// <summary>Seconds of device-rate audio queued ahead of the device.</summary>
    public double QueueSeconds { get; init; } = 2;

    /// <summary>Write at the device rate (for <c>type file</c> PCMs, which accept audio as fast as it comes).</summary>
    public bool PaceInRealTime { get; init; }

    /// <summary>With <see cref="PaceInRealTime"/>: how many times faster than real time to pace (demos; default 1).</summary>
    public double PaceSpeed { get; init; } = 1;

    /// <summary>Card for hardware volume (for example <c>hw:0</c> or <c>default</c>); null: software volume only.</summary>
    public string? MixerCard { get; init; }

    /// <summary>Mixer controls tried in order for hardware volume.</summary>
    public IReadOnlyList<string> MixerControls { get; init; } = ["Master", "PCM", "Speaker", "Playback", "Headphone"];

    /// <summary>First delay before reopening a lost device.</summary>
    public TimeSpan ReopenInitialDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Cap of the reopen delay.</summary>
    public TimeSpan ReopenMaxDelay { get; init; } = TimeSpan.FromSeconds(10);
}
