namespace VoiceAppliance.Pipeline;

/// <summary><c>transcript</c>: partial text while the engine streams segments, then the final text.</summary>
/// <param name="TurnIndex">Zero-based turn within the session.</param>
/// <param name="Text">The transcript so far (partial) or the whole transcript (final).</param>
/// <param name="IsFinal">True for the final transcript.</param>
/// <param name="Engine">The speech-to-text engine's name.</param>
public sealed record TranscriptEvent(int TurnIndex, string Text, bool IsFinal, string Engine) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "transcript";
}
