using System.Diagnostics;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Device;

/// <summary>
/// Real time denied: a child process with RLIMIT_RTPRIO 0 (prlimit) and without CAP_SYS_NICE (setpriv drops it from
/// the bounding set, so even root loses it) runs three audio-like threads through the same
/// <c>RealTimeScheduling.ApplyToCurrentThread</c> the ALSA threads use: each stays SCHED_OTHER and ONE line says so.
/// </summary>
public sealed class RealTimeFallbackTests
{
    [RequiresProgramFact("prlimit")]
    public async Task Denied_real_time_falls_back_with_one_log_line_for_all_threads()
    {
        var args = new List<string>();
        if (File.Exists("/usr/bin/setpriv"))
        {
            args.AddRange(["/usr/bin/setpriv", "--bounding-set=-sys_nice"]);
        }

        args.AddRange(["prlimit", "--rtprio=0", "--", "dotnet", Path.Combine(AppContext.BaseDirectory, "appliance.dll"), "dev", "audio-latency", "--seconds", "0.2", "--threads", "3", "--priority", "20"]);
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var output = await stdout + stderr;
        Assert.True(process.ExitCode == 0, output);

        var lines = output.Split('\n');
        Assert.Single(lines, l => l.Contains("not allowed", StringComparison.Ordinal));
        var denial = lines.Single(l => l.Contains("not allowed", StringComparison.Ordinal));
        Assert.Contains("RLIMIT_RTPRIO 0", denial, StringComparison.Ordinal);
        Assert.Contains("LimitRTPRIO=20", denial, StringComparison.Ordinal);
        Assert.Equal(3, lines.Count(l => l.StartsWith("probe-", StringComparison.Ordinal) && l.Contains(": SCHED_OTHER;", StringComparison.Ordinal)));
    }
}
