namespace VoiceAppliance.Pipeline;

/// <summary><c>turn_started</c>.</summary>
/// <param name="TurnIndex">Zero-based turn within the session.</param>
/// <param name="BargeIn">The turn started by interrupting the device's reply.</param>
public sealed record TurnStartedEvent(int TurnIndex, bool BargeIn) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "turn_started";
}
