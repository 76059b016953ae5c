using BenchmarkDotNet.Running;

namespace VoiceAppliance.Benchmarks;

/// <summary>
/// <c>./build.sh bench</c>: BenchmarkDotNet suites (pass <c>--filter *Name*</c>) and side-by-side bench
/// commands against named peers (pass the command name as the first argument, see <see cref="BenchCommands"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && BenchCommands.TryRun(args, out var code))
        {
            return code;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
