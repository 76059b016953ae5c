using System.Diagnostics;

namespace VoiceAppliance.Testing;

/// <summary>Runs a program the tests use to make their audio (espeak-ng, sox) and fails the test with its stderr when it fails.</summary>
internal static class ExternalTool
{
    public static void Run(string program, string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} failed: {err}");
    }
}
