using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Hosting;

/// <summary>The audio loop: starts capture and runs the pipeline until the host stops. If the loop ends on its own
/// (the microphone source ended) the host stops; if it fails (the capture thread died, the loop failed) the host stops
/// and the process exits non-zero (<see cref="ApplianceRuntime.ExitCode"/>) so systemd restarts the daemon.</summary>
internal sealed class PipelineService(ApplianceRuntime runtime, IHostApplicationLifetime lifetime, ILogger<PipelineService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        runtime.Capture.Start();
        var loop = runtime.Pipeline.RunAsync(stoppingToken);
        runtime.SetRunning(true);
        try
        {
            await loop.ConfigureAwait(false);
            if (!stoppingToken.IsCancellationRequested)
            {
                HostLog.CaptureEnded(logger);
                lifetime.StopApplication();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // a failed loop stops the daemon (systemd restarts it) instead of leaving it deaf
        catch (Exception ex)
#pragma warning restore CA1031
        {
            HostLog.PipelineFailed(logger, ex);
            runtime.Fail(ex); // the exit code says so: systemd's Restart=on-failure restarts the daemon
            lifetime.StopApplication();
        }
        finally
        {
            runtime.SetRunning(false);
        }
    }
}
