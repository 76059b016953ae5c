using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Hosting;

/// <summary>The audio loop: starts capture and runs the pipeline until the host stops. If the loop ends on its own
/// (the microphone source ended) or fails, the host is stopped so systemd restarts the daemon.</summary>
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
            lifetime.StopApplication();
        }
        finally
        {
            runtime.SetRunning(false);
        }
    }
}
