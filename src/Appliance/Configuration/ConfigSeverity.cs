namespace VoiceAppliance.Configuration;

/// <summary>How bad a configuration finding is.</summary>
public enum ConfigSeverity
{
    /// <summary>The appliance cannot start with it (exit code 78).</summary>
    Error,

    /// <summary>Suspicious but usable (unknown keys, missing optional files).</summary>
    Warning,
}
