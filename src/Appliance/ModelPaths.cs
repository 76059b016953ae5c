using VoiceAppliance.Native;

namespace VoiceAppliance;

/// <summary>
/// Where models live: <c>$APPLIANCE_MODELS_DIR</c>, then <c>&lt;app&gt;/models</c> (a published
/// appliance), then <c>models/</c> of the source checkout (after <c>./build.sh provision</c>).
/// </summary>
public static class ModelPaths
{
    /// <summary>The command that provisions the models of a source checkout.</summary>
    public const string ProvisionCommand = "./build.sh provision";

    /// <summary>The models directory in use, or null when none exists.</summary>
    public static string? Directory
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("APPLIANCE_MODELS_DIR");
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }

            var published = Path.Combine(AppContext.BaseDirectory, "models");
            return System.IO.Directory.Exists(published) ? published : NativeLibraryLoader.FindCheckoutDirectory("models");
        }
    }

    /// <summary>
    /// Resolves a file under the models directory; throws <see cref="FileNotFoundException"/> that names
    /// the file and the command that provisions it.
    /// </summary>
    public static string Require(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var dir = Directory;
        var path = dir is null ? relativePath : Path.Combine(dir, relativePath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Model file '{path}' is missing. Fix: run {ProvisionCommand} in the source checkout (or 'appliance models fetch'), or set APPLIANCE_MODELS_DIR.",
                path);
        }

        return path;
    }
}
