using System.Globalization;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>An intent: sentence templates, a reply template and actions.</summary>
public sealed record IntentDefinition
{
    /// <summary>The intent's name, for reports and MQTT (for example <c>ChangeLightState</c>).</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Sentence templates (see <see cref="SentenceTemplate"/>).</summary>
    public IReadOnlyList<string> Sentences { get; init; } = [];

    /// <summary>The spoken reply template, for example <c>Turning {state} the {room} light.</c></summary>
    public string? Reply { get; init; }

    /// <summary>What to do.</summary>
    public IReadOnlyList<IntentActionOptions> Actions { get; init; } = [];

    /// <summary>Listen for a follow-up turn after the reply.</summary>
    public bool ContinueSession { get; init; }
}
