using VoiceAppliance.Cli;

namespace VoiceAppliance;

/// <summary>Entry point: <c>appliance COMMAND [options]</c>.</summary>
public static class Program
{
    /// <summary>Runs the command line and returns the process exit code.</summary>
    public static async Task<int> Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        return await CommandLine.RunAsync(args, Console.Out, Console.Error, cts.Token).ConfigureAwait(false);
    }
}
