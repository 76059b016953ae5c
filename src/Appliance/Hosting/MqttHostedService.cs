using Microsoft.Extensions.Hosting;

namespace VoiceAppliance.Hosting;

/// <summary>Starts and stops the runtime's <see cref="Mqtt.MqttService"/> with the host (the runtime owns and disposes it).</summary>
internal sealed class MqttHostedService(ApplianceRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.Mqtt?.StartAsync(cancellationToken) ?? Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => runtime.Mqtt?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
