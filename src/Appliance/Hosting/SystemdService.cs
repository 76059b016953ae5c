using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Device.Systemd;

namespace VoiceAppliance.Hosting;

/// <summary>
/// systemd: READY=1 once the pipeline's audio loop runs, WATCHDOG=1 only while capture delivers audio and the loop
/// runs (<see cref="SystemdWatchdog"/>), STOPPING=1 on shutdown. Registered last, so it stops first.
/// </summary>
internal sealed class SystemdService(ApplianceRuntime runtime, ILogger<SystemdService> logger) : BackgroundService
{
    private long _lastFrames = -1;
    private SystemdWatchdog? _watchdog;

    /// <summary>Healthy when the loop runs and capture has delivered frames since the last check.</summary>
    internal bool IsHealthy()
    {
        var frames = runtime.Capture.FramesCaptured;
        var progressed = frames != Interlocked.Exchange(ref _lastFrames, frames);
        return runtime.IsPipelineRunning && !runtime.Capture.HasEnded && progressed;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        HostLog.Stopping(logger);
        runtime.Notifier?.Stopping("stopping");
        _watchdog?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _watchdog?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await runtime.Running.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var c = runtime.Configuration;
        var engines = runtime.Engines;
        var mqtt = runtime.Mqtt is null ? "off" : runtime.Mqtt.BaseTopic;
        HostLog.Ready(logger, c.Audio.CaptureDevice, c.Audio.PlaybackDevice, engines.Stt.Name, engines.Tts.Name, engines.Workflow.Name, mqtt);
        var notifier = runtime.Notifier;
        if (notifier is null)
        {
            return;
        }

        notifier.Ready($"idle; STT {engines.Stt.Name}, workflow {engines.Workflow.Name}, MQTT {mqtt}");
        if (runtime.WatchdogTimeout is { } timeout)
        {
            _watchdog = new SystemdWatchdog(notifier, timeout, IsHealthy, runtime.TimeProvider);
            _watchdog.Unhealthy += () => HostLog.Unhealthy(logger);
            HostLog.Watchdog(logger, _watchdog.Interval);
        }
    }
}
