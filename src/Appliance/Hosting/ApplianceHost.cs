using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Configuration;

namespace VoiceAppliance.Hosting;

/// <summary>
/// The daemon as a Generic Host: <see cref="ApplianceRuntime"/> (engines, pipeline, MQTT, devices) plus one hosted
/// service per long-running concern, started in this order and stopped in reverse: MQTT
/// (<see cref="Mqtt.MqttService"/>), the event bridge (pipeline events to MQTT, LEDs, STATUS), the front panel
/// (button, LED level), the pipeline's audio loop, and systemd (READY, WATCHDOG, STOPPING). No configuration
/// binding or reflection: everything comes from <see cref="LoadedConfiguration"/>. SIGTERM and Ctrl-C stop it
/// (the host's console lifetime).
/// </summary>
public static class ApplianceHost
{
    /// <summary>Builds the host; the engines load here, so a missing model fails before anything starts.</summary>
    /// <exception cref="ConfigurationException">The configuration has errors (each is listed).</exception>
    /// <exception cref="MissingDependencyException">A model, the intents file or a native library is missing (the message says how to fix it).</exception>
    public static IHost Build(LoadedConfiguration configuration, ApplianceHostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.ThrowIfInvalid();
        options ??= new ApplianceHostOptions();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            Args = [],
            ApplicationName = "appliance",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(configuration.Service.LogLevel);
        if (configuration.Service.LogLevel > LogLevel.Debug)
        {
            // The host logs "Hosting failed to start" with the exception's stack trace before the appliance's own
            // one-line message and exit code; that trace is for --verbose (Service:LogLevel debug), not for users.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        }

        if (options.ConfigureLogging is { } configure)
        {
            configure(builder.Logging);
        }
        else
        {
            builder.Logging.AddSystemdConsole();
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        builder.Services.AddSingleton(sp => ApplianceRuntime.Create(configuration, options, sp.GetRequiredService<ILoggerFactory>()));
        if (configuration.Mqtt.Enabled)
        {
            builder.Services.AddHostedService(sp => new MqttHostedService(sp.GetRequiredService<ApplianceRuntime>()));
        }

        builder.Services.AddHostedService(sp => new EventBridgeService(sp.GetRequiredService<ApplianceRuntime>(), sp.GetRequiredService<ILogger<EventBridgeService>>()));
        builder.Services.AddHostedService(sp => new DeviceService(sp.GetRequiredService<ApplianceRuntime>(), sp.GetRequiredService<ILogger<DeviceService>>()));
        builder.Services.AddHostedService(sp => new PipelineService(sp.GetRequiredService<ApplianceRuntime>(), sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<PipelineService>>()));
        builder.Services.AddHostedService(sp => new SystemdService(sp.GetRequiredService<ApplianceRuntime>(), sp.GetRequiredService<ILogger<SystemdService>>()));
        var host = builder.Build();
        try
        {
            _ = host.Services.GetRequiredService<ApplianceRuntime>(); // load the engines now: errors surface here, not mid-start
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }

    /// <summary>
    /// Runs the host until it stops and returns the process exit code: 0, or non-zero when it stopped because the
    /// capture thread or the audio loop failed (so systemd's <c>Restart=on-failure</c> restarts the daemon).
    /// </summary>
    public static async Task<int> RunAsync(IHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var runtime = host.Services.GetRequiredService<ApplianceRuntime>(); // before the run: it disposes the services
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        return runtime.ExitCode;
    }
}
