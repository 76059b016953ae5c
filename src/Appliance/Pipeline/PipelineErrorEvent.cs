namespace VoiceAppliance.Pipeline;

/// <summary><c>error</c>: an engine or device failed. The pipeline recovers (back to Idle, or retries the device).</summary>
/// <param name="Source">What failed: capture, playback, vad, stt, tts, workflow, watchdog.</param>
/// <param name="Message">The failure, as the component reported it.</param>
public sealed record PipelineErrorEvent(string Source, string Message) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "error";
}
