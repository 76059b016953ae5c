using System.Reflection;
using System.Runtime.InteropServices;

namespace VoiceAppliance.Native;

/// <summary>
/// Resolves the native libraries an assembly binds with <c>[LibraryImport]</c>. Linked as source into
/// each library (Audio.Alsa, Models) and the executable, because a resolver is registered per assembly
/// and those projects must not reference one another.
/// </summary>
/// <remarks>
/// Probe order for a logical library name (for example <c>"onnxruntime"</c>):
/// <list type="number">
/// <item><c>$APPLIANCE_NATIVE_DIR</c>;</item>
/// <item><c>&lt;app&gt;/native/&lt;rid&gt;</c> and <c>&lt;app&gt;</c> (a published appliance);</item>
/// <item><c>native/&lt;rid&gt;</c> of the source checkout, found by walking up from the app folder
/// (development and tests, after <c>eng/provision.sh</c>);</item>
/// <item>the system loader (Debian packages such as libasound2, libespeak-ng1).</item>
/// </list>
/// <c>Assembly.Location</c> is empty under NativeAOT, so everything starts from
/// <see cref="AppContext.BaseDirectory"/>.
/// </remarks>
internal static class NativeLibraryLoader
{
    /// <summary>The runtime identifier of the native folder for this process: linux-x64 or linux-arm64.</summary>
    public static string RuntimeId => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "linux-x64",
        Architecture.Arm64 => "linux-arm64",
        Architecture.Arm => "linux-arm",
        var other => "linux-" + other.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Registers a resolver for <paramref name="assembly"/> mapping logical names to file names,
    /// most specific first (for example <c>libonnxruntime.so.1</c>, then <c>libonnxruntime.so</c>).
    /// </summary>
    public static void Register(Assembly assembly, IReadOnlyDictionary<string, string[]> fileNames)
    {
        try
        {
            NativeLibrary.SetDllImportResolver(assembly, (name, _, _) => Resolve(name, fileNames));
        }
        catch (InvalidOperationException)
        {
            // A resolver is already registered for this assembly; keep the first.
        }
    }

    private static IntPtr Resolve(string name, IReadOnlyDictionary<string, string[]> fileNames)
    {
        if (!fileNames.TryGetValue(name, out var candidates))
        {
            return IntPtr.Zero;
        }

        foreach (var dir in SearchDirectories())
        {
            foreach (var file in candidates)
            {
                var path = Path.Combine(dir, file);
                if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle))
                {
                    return handle;
                }
            }
        }

        foreach (var file in candidates)
        {
            if (NativeLibrary.TryLoad(file, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    /// <summary>Directories probed before the system loader, in order.</summary>
    public static IEnumerable<string> SearchDirectories()
    {
        var env = Environment.GetEnvironmentVariable("APPLIANCE_NATIVE_DIR");
        if (!string.IsNullOrEmpty(env))
        {
            yield return env;
        }

        var baseDir = AppContext.BaseDirectory;
        yield return Path.Combine(baseDir, "native", RuntimeId);
        yield return baseDir;

        var checkout = FindCheckoutDirectory("native");
        if (checkout is not null)
        {
            yield return Path.Combine(checkout, RuntimeId);
        }
    }

    /// <summary>
    /// Walks up from the app folder looking for <paramref name="child"/> beside a <c>global.json</c>
    /// (the source checkout). Returns the child's full path or null.
    /// </summary>
    public static string? FindCheckoutDirectory(string child)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, child);
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "global.json")))
            {
                return candidate;
            }

            dir = dir.Parent;
        }

        return null;
    }
}

/// <summary>Messages for a native library that cannot be loaded, naming the file and the fix.</summary>
internal static class NativeDependency
{
    /// <summary>
    /// Builds the exception thrown when <paramref name="fileName"/> cannot be loaded. The message names
    /// the file, where it was looked for and the command that provisions it.
    /// </summary>
    public static DllNotFoundException Missing(string fileName, string fix, Exception? inner = null)
    {
        var searched = string.Join(", ", NativeLibraryLoader.SearchDirectories());
        return new DllNotFoundException(
            $"Native library '{fileName}' could not be loaded (looked in: {searched}, then the system library path). Fix: {fix}",
            inner);
    }
}
