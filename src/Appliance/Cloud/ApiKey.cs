using System.Text;

namespace VoiceAppliance.Cloud;

/// <summary>
/// An API key read from a file (never from the configuration itself). <see cref="ToString"/> never shows it, so it
/// cannot reach a log line, an MQTT report or <c>config check</c> by accident.
/// </summary>
public sealed class ApiKey
{
    /// <summary>Largest key file read (keys are a few hundred bytes; a bigger file is the wrong file).</summary>
    public const int MaxFileBytes = 8192;

    private readonly string _value;

    private ApiKey(string value) => _value = value;

    /// <summary>The header value, <c>Bearer {key}</c>.</summary>
    internal string BearerValue => "Bearer " + _value;

    /// <summary>The key, for redaction checks only.</summary>
    internal string Secret => _value;

    /// <summary>Never the key.</summary>
    public override string ToString() => "(api key)";

    /// <summary>Where <paramref name="file"/> is: an absolute path as is; a relative one in <c>$CREDENTIALS_DIRECTORY</c> (systemd <c>LoadCredential=</c>) when set.</summary>
    public static string Resolve(string file, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        if (Path.IsPathRooted(file))
        {
            return file;
        }

        string? credentials = null;
        if (environment is not null)
        {
            environment.TryGetValue("CREDENTIALS_DIRECTORY", out credentials);
        }
        else
        {
            credentials = Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY");
        }

        return string.IsNullOrWhiteSpace(credentials) ? Path.GetFullPath(file) : Path.Combine(credentials, file);
    }

    /// <summary>
    /// Reads the key for <paramref name="configKey"/> from <paramref name="file"/>; the message of a failure names the
    /// key and the file, never the file's content.
    /// </summary>
    /// <exception cref="CloudConfigurationException">The file is missing, empty, too big or not one line.</exception>
    public static ApiKey Load(string configKey, string file, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var path = Resolve(file, environment);
        FileInfo info;
        try
        {
            info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new CloudConfigurationException($"{configKey}: the key file '{path}' does not exist. Fix: write the API key into it (chmod 600), or with systemd set LoadCredential={Path.GetFileName(file)}:/path/to/key and ApiKeyFile to '{Path.GetFileName(file)}'.");
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new CloudConfigurationException($"{configKey}: the key file '{path}' cannot be read ({ex.GetType().Name}). Fix: make it readable by the service user.", ex);
        }

        if (info.Length > MaxFileBytes)
        {
            throw new CloudConfigurationException($"{configKey}: the key file '{path}' is {info.Length} bytes; an API key file holds one line of at most {MaxFileBytes} bytes. Fix: point ApiKeyFile at the file with just the key.");
        }

        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8).Trim();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new CloudConfigurationException($"{configKey}: the key file '{path}' cannot be read ({ex.GetType().Name}). Fix: make it readable by the service user.", ex);
        }

        if (text.Length == 0)
        {
            throw new CloudConfigurationException($"{configKey}: the key file '{path}' is empty. Fix: write the API key into it.");
        }

        if (text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new CloudConfigurationException($"{configKey}: the key file '{path}' holds more than one word or line. Fix: keep only the key in it.");
        }

        return new ApiKey(text);
    }
}
