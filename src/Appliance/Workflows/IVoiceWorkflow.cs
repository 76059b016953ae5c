namespace VoiceAppliance.Workflows;

/// <summary>
/// What the device does with what the user said: takes the turn's transcript and streams reply text.
/// The pipeline splits the text into sentences as it arrives and speaks the first sentence while the
/// rest is still being produced, so yield text early (a token or a sentence at a time). Implement this to
/// add your own behaviour (intents, an MQTT bridge, an LLM); register it where the daemon composes the
/// pipeline.
/// </summary>
/// <remarks>
/// <para>Cancellation: the token is cancelled on barge-in, stop, mute and the watchdog; stop promptly.</para>
/// <para>Errors: an exception ends the session with reason <c>error</c>; the pipeline recovers to Idle.</para>
/// <para>During enumeration, call <see cref="WorkflowTurn.ContinueSession"/> to ask for a follow-up turn
/// (the device listens again after the reply without a new trigger), and
/// <see cref="WorkflowTurn.ReportIntentNotRecognized"/> when you did not understand (yield a spoken
/// fallback too); the session then ends with reason <c>intent_not_recognized</c>.</para>
/// </remarks>
public interface IVoiceWorkflow
{
    /// <summary>Name for reports and logs.</summary>
    string Name { get; }

    /// <summary>Streams the reply to <paramref name="turn"/>. Yield nothing for a silent reply.</summary>
    IAsyncEnumerable<string> RespondAsync(WorkflowTurn turn, CancellationToken cancellationToken);

    /// <summary>
    /// Where a transcript stands among the commands this workflow understands (early endpointing: a complete
    /// command that nothing can continue ends the turn before the silence window does). Default
    /// <see cref="Intents.CompletenessKind.Unsure"/>: the turn waits for the whole window.
    /// </summary>
    Intents.CompletenessKind Completeness(string transcript) => Intents.CompletenessKind.Unsure;

    /// <summary>
    /// The reply <see cref="RespondAsync"/> would give to <paramref name="transcript"/>, predicted without doing
    /// anything (no action, no publish, no state change), so the pipeline can synthesise its first sentence before
    /// the turn is confirmed; null when the reply cannot be known in advance (the default).
    /// </summary>
    string? PreviewReply(string transcript) => null;
}
