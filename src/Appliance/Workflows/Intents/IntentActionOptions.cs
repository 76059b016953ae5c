using System.Globalization;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>
/// One action of an intent. Text fields are templates: <c>{slot}</c> takes a slot's value, <c>{time}</c>
/// and <c>{date}</c> the current time and date, <c>{intent}</c> the intent's name.
/// </summary>
public sealed record IntentActionOptions
{
    /// <summary>The action.</summary>
    public IntentActionKind Kind { get; init; }

    /// <summary>Publish: the topic.</summary>
    public string? Topic { get; init; }

    /// <summary>Publish: the payload; StartTimer: what to say when the timer fires.</summary>
    public string? Payload { get; init; }

    /// <summary>SetVolume: the level; StartTimer: the length (for example <c>{minutes}</c>).</summary>
    public string? Value { get; init; }

    /// <summary>StartTimer: seconds, minutes or hours (default minutes).</summary>
    public string Unit { get; init; } = "minutes";
}
