using System.Diagnostics;

namespace VoiceAppliance.Benchmarks;

/// <summary>What the bench commands share: the checkout's root and running a helper program.</summary>
internal static class BenchTools
{
    /// <summary>The source checkout (the folder holding global.json) the bench runs from.</summary>
    /// <exception cref="DirectoryNotFoundException">Not run from inside a checkout.</exception>
    public static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "global.json")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("run the bench tool from the source checkout (after eng/provision.sh)");
    }

    /// <summary>Runs <paramref name="program"/>; false (with the reason in <paramref name="stderr"/>) when it is missing or fails.</summary>
    public static bool Exec(string program, string[] args, out string stderr)
    {
        try
        {
            var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            stdout.GetAwaiter().GetResult();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            stderr = ex.Message;
            return false;
        }
    }
}
