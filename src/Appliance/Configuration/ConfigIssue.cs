namespace VoiceAppliance.Configuration;

/// <summary>One configuration finding, naming the key (<c>Section:Key</c>), the bad value and what is allowed.</summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Key">The full key, e.g. <c>Button:Mode</c>; empty for the file as a whole.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ConfigIssue(ConfigSeverity Severity, string Key, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{(Severity == ConfigSeverity.Error ? "error" : "warning")}: {(Key.Length > 0 ? Key + ": " : string.Empty)}{Message}";
}
