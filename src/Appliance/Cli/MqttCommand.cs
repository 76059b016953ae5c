using Microsoft.Extensions.Logging;
using VoiceAppliance.Configuration;

namespace VoiceAppliance.Cli;

/// <summary><c>appliance mqtt forget [--config PATH]</c>: removes the device from the broker's retained store and from Home Assistant.</summary>
public static class MqttCommand
{
    private const string Usage = """
        usage: appliance mqtt forget [--config PATH] [--timeout SECONDS]
          clears this appliance's retained discovery, state and availability on the broker (Home Assistant then removes
          the device), including those of earlier device ids recorded in Mqtt:StateDirectory. Stop the daemon first
          (sudo systemctl stop appliance), or it announces itself again at its next connect.
          --config PATH       the configuration naming the broker (default: $APPLIANCE_CONFIG, else /etc/appliance/appliance.json)
          --timeout SECONDS   how long to wait for the broker (default 15)
        """;

    /// <summary>Runs the command.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] != "forget")
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        string? flag = null;
        var timeout = TimeSpan.FromSeconds(15);
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                flag = args[++i];
            }
            else if (args[i] == "--timeout" && i + 1 < args.Length
                && int.TryParse(args[i + 1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 600)
            {
                timeout = TimeSpan.FromSeconds(seconds);
                i++;
            }
            else
            {
                await stderr.WriteLineAsync($"appliance mqtt forget: unknown, incomplete or out-of-range option '{args[i]}' (--timeout takes 1..600 seconds).\n{Usage}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
        }

        var path = ApplianceConfiguration.ResolvePath(flag);
        var configuration = ApplianceConfiguration.CreateDefault().Load(path);
        if (configuration.HasErrors)
        {
            return ConfigCheck.Print(stderr, path, configuration.Issues.Where(i => i.Severity == ConfigSeverity.Error).ToList());
        }

        var options = configuration.Mqtt;
        if (!options.Enabled)
        {
            await stdout.WriteLineAsync($"appliance mqtt forget: MQTT is off in {path} (Mqtt:Enabled); nothing to clear.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        try
        {
            var cleared = await Mqtt.MqttForget.RunAsync(options, loggerFactory.CreateLogger("mqtt"), timeout, cancellationToken).ConfigureAwait(false);
            foreach (var topic in cleared)
            {
                await stdout.WriteLineAsync("cleared " + topic).ConfigureAwait(false);
            }

            await stdout.WriteLineAsync($"The device '{options.EffectiveDeviceId}' is removed from {options.Host}:{options.Port} (Home Assistant drops it on the empty discovery message).").ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is Mqtt.MqttException or TimeoutException or InvalidOperationException)
        {
            await stderr.WriteLineAsync($"appliance mqtt forget: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
    }
}
