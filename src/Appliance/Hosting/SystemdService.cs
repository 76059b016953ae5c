using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Device.Systemd;

namespace VoiceAppliance.Hosting;

/// <summary>
/// systemd: READY=1 once the engines are loaded (the runtime exists), the audio loop runs and the microphone has
/// delivered its first frame; WATCHDOG=1 only while the pipeline itself is healthy (<see cref="Pipeline.PipelineHeartbeat"/>:
/// its loop beats and no turn is wedged), through <see cref="SystemdWatchdog"/>; STOPPING=1 on shutdown. Registered
/// last, so it stops first.
/// </summary>
internal sealed class SystemdService(ApplianceRuntime runtime, ILogger<SystemdService> logger) : BackgroundService
{
    private SystemdWatchdog? _watchdog;

    /// <summary>Healthy when the audio loop runs, beat within half the watchdog timeout, and no turn is wedged.</summary>
    internal bool IsHealthy(TimeSpan maxQuiet) => runtime.Pipeline.Heartbeat.IsHealthy(maxQuiet, runtime.IsPipelineRunning);

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
            await runtime.Pipeline.Heartbeat.FirstFrame.WaitAsync(stoppingToken).ConfigureAwait(false);
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
            var maxQuiet = timeout / 2;
            _watchdog = new SystemdWatchdog(notifier, timeout, () => IsHealthy(maxQuiet), runtime.TimeProvider);
            _watchdog.Unhealthy += () => HostLog.Unhealthy(logger);
            HostLog.Watchdog(logger, _watchdog.Interval);
        }
    }
}
