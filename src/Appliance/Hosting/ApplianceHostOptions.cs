using Microsoft.Extensions.Logging;
using VoiceAppliance.Device.Gpio;

namespace VoiceAppliance.Hosting;

/// <summary>How <see cref="ApplianceHost"/> meets the machine; the defaults are the real machine.</summary>
public sealed record ApplianceHostOptions
{
    /// <summary>Environment read for <c>NOTIFY_SOCKET</c> and <c>WATCHDOG_USEC</c> (null: the process environment).</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>A private asoundrc in which <c>Audio:CaptureDevice</c>/<c>PlaybackDevice</c> are looked up (file PCMs in tests and demos).</summary>
    public string? AlsaConfigurationFile { get; init; }

    /// <summary>Pace capture and playback at the device rate (ALSA <c>type file</c> PCMs are not paced by a clock).</summary>
    public bool PaceAudioInRealTime { get; init; }

    /// <summary>The GPIO chips (null: <see cref="GpioChips.LibGpiod"/>, the machine's chips through libgpiod); the
    /// runtime's device hub owns and disposes them.</summary>
    public GpioChips? GpioChips { get; init; }

    /// <summary>Logging setup (null: the console in systemd journal format at <c>Service:LogLevel</c>).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Time for the pipeline, devices and MQTT.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Test seam: replaces the engines the pipeline joins (a fake engine in a real daemon).</summary>
    internal Func<Pipeline.PipelineEngines, Pipeline.PipelineEngines>? WrapEngines { get; init; }
}
