namespace VoiceAppliance.Pipeline;

/// <summary><c>session_started</c>.</summary>
/// <param name="Trigger">What started it.</param>
public sealed record SessionStartedEvent(SessionTrigger Trigger) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "session_started";
}
