namespace VoiceAppliance.Testing;

/// <summary>Paths of the source checkout and its provisioned folders, for tests.</summary>
internal static class TestPaths
{
    /// <summary>The checkout root (the folder with global.json).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>models/ of the checkout (provisioned by eng/provision.sh).</summary>
    public static string Models => Path.Combine(Root, "models");

    /// <summary>native/&lt;rid&gt;/ of the checkout.</summary>
    public static string Native => Path.Combine(Root, "native", System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "linux-arm64" : "linux-x64");

    /// <summary>A file under models/.</summary>
    public static string Model(string relative) => Path.Combine(Models, relative);

    /// <summary>A new empty temporary directory, removed by the caller.</summary>
    public static string NewTempDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "global.json")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("tests must run from inside the source checkout");
    }
}

/// <summary>
/// A fact that needs a file that may be absent here (for example real Whisper weights). Without the file
/// the test is reported as skipped, with the reason, never as passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RequiresFileFactAttribute : FactAttribute
{
    public RequiresFileFactAttribute(string pathUnderModels, string why)
    {
        if (!File.Exists(TestPaths.Model(pathUnderModels)))
        {
            Skip = $"needs models/{pathUnderModels} ({why}); absent on this machine";
        }
    }
}

/// <summary>A fact that needs a program on PATH (for example mosquitto); skipped with the reason without it.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RequiresProgramFactAttribute : FactAttribute
{
    public RequiresProgramFactAttribute(string program)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Any(d => File.Exists(Path.Combine(d, program)));
        if (!found)
        {
            Skip = $"needs the program '{program}' (run ./build.sh provision); absent on this machine";
        }
    }
}
