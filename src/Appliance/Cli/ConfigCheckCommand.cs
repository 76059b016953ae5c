using VoiceAppliance.Configuration;

namespace VoiceAppliance.Cli;

/// <summary><c>appliance config check [--config PATH] [--portable]</c>: prints every configuration error and warning; exit 78 on errors.</summary>
public static class ConfigCheckCommand
{
    private const string Usage = """
        usage: appliance config check [--config PATH] [--portable]
          --config PATH   the file to check (default: $APPLIANCE_CONFIG, else /etc/appliance/appliance.json)
          --portable      checking a config for another machine: missing or damaged models and files are warnings
        """;

    /// <summary>Runs the check.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] != "check")
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        string? flag = null;
        var portable = false;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                flag = args[++i];
            }
            else if (args[i] == "--portable")
            {
                portable = true;
            }
            else
            {
                await stderr.WriteLineAsync($"appliance config check: unknown or incomplete option '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
        }

        var path = ApplianceConfiguration.ResolvePath(flag);
        return ConfigCheck.Print(stdout, path, ConfigCheck.Run(path, portable: portable));
    }
}
