namespace VoiceAppliance.Pipeline;

/// <summary>snake_case names of the enums as they appear on the wire (MQTT payloads, logs).</summary>
public static class PipelineWireNames
{
    /// <summary>For example <c>aborted_by_user</c>.</summary>
    public static string ToWireName(this SessionEndReason reason) => reason switch
    {
        SessionEndReason.Nominal => "nominal",
        SessionEndReason.Timeout => "timeout",
        SessionEndReason.NoSpeech => "no_speech",
        SessionEndReason.AbortedByUser => "aborted_by_user",
        SessionEndReason.IntentNotRecognized => "intent_not_recognized",
        SessionEndReason.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>For example <c>listening</c>.</summary>
    public static string ToWireName(this PipelineState state) => state switch
    {
        PipelineState.Idle => "idle",
        PipelineState.Listening => "listening",
        PipelineState.Transcribing => "transcribing",
        PipelineState.Thinking => "thinking",
        PipelineState.Speaking => "speaking",
        PipelineState.Muted => "muted",
        PipelineState.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
