using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Mqtt;

/// <summary>The <see cref="ButtonEventReport.EventType"/> values.</summary>
public static class ButtonEventTypes
{
    /// <summary>All button event types.</summary>
    public static IReadOnlyList<string> All { get; } = ["press", "release", "long_press", "double_press"];
}
