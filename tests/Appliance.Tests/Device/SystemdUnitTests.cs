using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Device;

/// <summary>systemd/appliance.service checked by systemd's own analyzer.</summary>
public sealed class SystemdUnitTests
{
    private static string UnitPath => Path.Combine(TestPaths.Root, "systemd", "appliance.service");

    private static (int Code, string Output) Analyze(params string[] args)
    {
        var psi = new ProcessStartInfo("systemd-analyze") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    [Fact]
    public void Unit_has_the_required_settings()
    {
        var unit = File.ReadAllLines(UnitPath).Select(l => l.Trim()).ToHashSet();
        foreach (var line in new[]
        {
            "Type=notify", "Restart=on-failure", "User=appliance", "SupplementaryGroups=audio gpio spi",
            "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "DevicePolicy=closed", "DeviceAllow=char-alsa rw",
            "DeviceAllow=char-gpiochip rw", "DeviceAllow=char-spi rw", "StateDirectory=appliance", "WatchdogSec=30",
        })
        {
            Assert.Contains(line, unit);
        }
    }

    [RequiresProgramFact("systemd-analyze")]
    public void Unit_passes_systemd_analyze_verify()
    {
        // verify insists that ExecStart exists: point it at a stub in a temporary folder.
        var dir = TestPaths.NewTempDirectory("unit");
        try
        {
            var stub = Path.Combine(dir, "appliance");
            File.WriteAllText(stub, "#!/bin/sh\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
            }

            var unit = Path.Combine(dir, "appliance.service");
            File.WriteAllText(unit, File.ReadAllText(UnitPath).Replace("/opt/appliance/appliance", stub, StringComparison.Ordinal));
            var (code, output) = Analyze("verify", unit);
            Assert.True(code == 0, output);
            Assert.DoesNotContain("Unknown key", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Unit_grants_the_real_time_priority_the_default_configuration_asks_for()
    {
        var unit = File.ReadAllLines(UnitPath).Select(l => l.Trim()).Where(l => !l.StartsWith('#')).ToList();
        Assert.DoesNotContain("RestrictRealtime=yes", unit);
        var limit = int.Parse(unit.Single(l => l.StartsWith("LimitRTPRIO=", StringComparison.Ordinal))["LimitRTPRIO=".Length..], CultureInfo.InvariantCulture);
        var defaults = VoiceAppliance.Configuration.ApplianceConfiguration.CreateDefault().LoadJson("{}", new Dictionary<string, string?>());
        Assert.InRange(defaults.Audio.RealTimePriority, 1, limit);
    }

    [RequiresProgramFact("systemd-analyze")]
    public void Security_exposure_is_low()
    {
        var (_, output) = Analyze("security", "--offline=true", UnitPath);
        var line = output.Split('\n').Single(l => l.Contains("Overall exposure level", StringComparison.Ordinal));
        var score = double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.True(score <= 2.0, line);
    }
}
