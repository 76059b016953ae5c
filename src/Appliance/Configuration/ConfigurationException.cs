namespace VoiceAppliance.Configuration;

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
