using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Hosting;

/// <summary>
/// What the tests that run the daemon (<c>appliance run</c>) share: a temporary folder for its config, devices and
/// state, removed afterwards, and the config file written there.
/// </summary>
/// <param name="folderName">The temporary folder's name prefix.</param>
public abstract class DaemonTestsBase(string folderName) : IDisposable
{
    /// <summary>The test's temporary folder.</summary>
    protected string Dir { get; } = TestPaths.NewTempDirectory(folderName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }

    /// <summary><paramref name="path"/> escaped for a JSON string.</summary>
    protected static string Json(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal);

    /// <summary>Writes a config file of <paramref name="sections"/> (the JSON object's members) into <see cref="Dir"/>.</summary>
    protected string WriteConfig(string sections)
    {
        var path = Path.Combine(Dir, $"appliance-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{\n" + sections + "\n}\n");
        return path;
    }
}
