using VoiceAppliance.Cli;

namespace VoiceAppliance;

/// <summary>Entry point: <c>appliance COMMAND [options]</c>.</summary>
public static class Program
{
    /// <summary>Runs the command line and returns the process exit code.</summary>
    public static async Task<int> Main(string[] args)
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            // Any thread: one line, then exit 70 rather than the runtime's abort and core dump.
            Console.Error.WriteLine(CommandLine.FatalLine(e.ExceptionObject));
            Console.Error.Flush();
            Environment.Exit(ExitCodes.Software);
        };

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        return await CommandLine.RunAsync(args, Console.Out, Console.Error, cts.Token).ConfigureAwait(false);
    }
}
