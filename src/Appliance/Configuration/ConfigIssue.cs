namespace VoiceAppliance.Configuration;

/// <summary>How bad a configuration finding is.</summary>
public enum ConfigSeverity
{
    /// <summary>The appliance cannot start with it (exit code 78).</summary>
    Error,

    /// <summary>Suspicious but usable (unknown keys, missing optional files).</summary>
    Warning,
}

/// <summary>One configuration finding, naming the key (<c>Section:Key</c>), the bad value and what is allowed.</summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Key">The full key, e.g. <c>Button:Mode</c>; empty for the file as a whole.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ConfigIssue(ConfigSeverity Severity, string Key, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{(Severity == ConfigSeverity.Error ? "error" : "warning")}: {(Key.Length > 0 ? Key + ": " : string.Empty)}{Message}";
}

/// <summary>The configuration cannot be used; the message lists every error.</summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception with the issues found.</summary>
    public ConfigurationException(string message, IReadOnlyList<ConfigIssue> issues)
        : base(message) => Issues = issues;

    /// <summary>Creates the exception.</summary>
    public ConfigurationException(string message)
        : base(message) => Issues = [];

    /// <summary>Creates the exception.</summary>
    public ConfigurationException()
        : this("invalid configuration")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException) => Issues = [];

    /// <summary>Every issue found (errors and warnings).</summary>
    public IReadOnlyList<ConfigIssue> Issues { get; }
}
