namespace VoiceAppliance.Pipeline;

/// <summary><c>state_changed</c>.</summary>
/// <param name="From">The previous state.</param>
/// <param name="To">The new state.</param>
public sealed record StateChangedEvent(PipelineState From, PipelineState To) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "state_changed";
}
