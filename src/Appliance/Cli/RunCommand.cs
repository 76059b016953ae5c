using Microsoft.Extensions.Hosting;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Configuration;
using VoiceAppliance.Hosting;

namespace VoiceAppliance.Cli;

/// <summary>
/// <c>appliance run [--config PATH]</c>: the daemon. Loads the configuration (every error printed, exit 78), loads
/// the engines (a missing model or library: the fix printed, exit 69), then runs until SIGTERM or Ctrl-C.
/// </summary>
public static class RunCommand
{
    private const string Usage = """
        usage: appliance run [--config PATH]
          --config PATH   the configuration file (default: $APPLIANCE_CONFIG, else /etc/appliance/appliance.json)
        """;

    /// <summary>Runs the daemon.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, stdout, stderr, new ApplianceHostOptions(), null, cancellationToken);

    /// <summary>Runs the daemon with <paramref name="hostOptions"/> (tests: file PCMs, a NOTIFY_SOCKET, logging).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, ApplianceHostOptions hostOptions, IReadOnlyDictionary<string, string?>? environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(hostOptions);
        string? flag = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                flag = args[++i];
            }
            else
            {
                await stderr.WriteLineAsync($"appliance run: unknown or incomplete option '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
        }

        var path = ApplianceConfiguration.ResolvePath(flag, environment);
        var configuration = ApplianceConfiguration.CreateDefault().Load(path, environment);
        foreach (var warning in configuration.Issues.Where(i => i.Severity == ConfigSeverity.Warning))
        {
            await stderr.WriteLineAsync(warning.ToString()).ConfigureAwait(false);
        }

        if (configuration.HasErrors)
        {
            return ConfigCheck.Print(stderr, path, configuration.Issues.Where(i => i.Severity == ConfigSeverity.Error).ToList());
        }

        IHost host;
        try
        {
            host = ApplianceHost.Build(configuration, hostOptions);
        }
        catch (ConfigurationException ex)
        {
            await stderr.WriteLineAsync($"appliance run: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Config;
        }
        catch (MissingDependencyException ex)
        {
            await stderr.WriteLineAsync($"appliance run: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidWavException or ArgumentException)
        {
            await stderr.WriteLineAsync($"appliance run: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.DataError;
        }

        using (host)
        {
            try
            {
                return await ApplianceHost.RunAsync(host, cancellationToken).ConfigureAwait(false);
            }
            catch (ConfigurationException ex)
            {
                // Found while a service started (e.g. an unusable Mqtt:StateDirectory): a configuration error, 78.
                await stderr.WriteLineAsync($"appliance run: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Config;
            }
        }
    }
}
