namespace VoiceAppliance.Pipeline;

/// <summary><c>turn_ended</c>, with the turn's metrics.</summary>
/// <param name="TurnIndex">Zero-based turn within the session.</param>
/// <param name="Transcript">The final transcript, if the turn listened.</param>
/// <param name="Intent">The intent the workflow recognised, if it reported one.</param>
/// <param name="ReplyText">The reply text the workflow produced (all pieces).</param>
/// <param name="Interrupted">A barge-in, stop or error cut the turn short.</param>
/// <param name="Metrics">The turn's figures.</param>
public sealed record TurnEndedEvent(int TurnIndex, string? Transcript, string? Intent, string ReplyText, bool Interrupted, TurnMetrics Metrics) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "turn_ended";
}
