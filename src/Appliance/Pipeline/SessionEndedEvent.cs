namespace VoiceAppliance.Pipeline;

/// <summary><c>session_ended</c>.</summary>
/// <param name="Reason">Why it ended.</param>
/// <param name="Turns">How many turns it had.</param>
/// <param name="Duration">From session start to end.</param>
/// <param name="LastTurn">The metrics of the last turn, if any.</param>
/// <param name="Detail">For errors and timeouts, what happened.</param>
public sealed record SessionEndedEvent(SessionEndReason Reason, int Turns, TimeSpan Duration, TurnMetrics? LastTurn, string? Detail) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "session_ended";
}
