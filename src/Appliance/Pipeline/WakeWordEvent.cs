namespace VoiceAppliance.Pipeline;

/// <summary><c>wake</c>: a wake word was heard.</summary>
/// <param name="Word">The word (its model's name, for example hey_jarvis).</param>
/// <param name="Score">The classifier's score.</param>
/// <param name="Action">What it did: listen (a session starts or, while speaking with echo cancellation, a barge-in) or event (reported only).</param>
/// <param name="EventName">With <see cref="WakeWordAction.Event"/>: the configured event name.</param>
/// <param name="BargeIn">It interrupted the device's reply.</param>
public sealed record WakeWordEvent(string Word, float Score, WakeWordAction Action, string? EventName, bool BargeIn) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "wake";
}
