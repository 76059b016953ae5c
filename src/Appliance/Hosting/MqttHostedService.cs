using Microsoft.Extensions.Hosting;

namespace VoiceAppliance.Hosting;

/// <summary>
/// Starts and stops the runtime's <see cref="Mqtt.MqttService"/> with the host (the runtime owns and disposes it).
/// The state (volume, idle) is handed over before the first connect, so the first retained state is the real one.
/// </summary>
internal sealed class MqttHostedService(ApplianceRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (runtime.Mqtt is not { } mqtt)
        {
            return Task.CompletedTask;
        }

        mqtt.PublishStatus(runtime.Status(runtime.Pipeline.State));
        return mqtt.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => runtime.Mqtt?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
