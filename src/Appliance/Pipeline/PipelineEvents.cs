namespace VoiceAppliance.Pipeline;

/// <summary>Why a session ended. The wire names (<see cref="PipelineWireNames"/>) are snake_case.</summary>
public enum SessionEndReason
{
    /// <summary>The interaction completed.</summary>
    Nominal,

    /// <summary>The watchdog ended a stuck turn.</summary>
    Timeout,

    /// <summary>Nobody spoke before the no-speech timeout (or the push-to-talk button was released without speech).</summary>
    NoSpeech,

    /// <summary>The user stopped or muted the session.</summary>
    AbortedByUser,

    /// <summary>The workflow did not recognise what was said (a fallback reply was spoken).</summary>
    IntentNotRecognized,

    /// <summary>An engine or device failed.</summary>
    Error,
}

/// <summary>What started a session.</summary>
public enum SessionTrigger
{
    /// <summary>The push-to-talk button, held: listen while held.</summary>
    PushToTalkHold,

    /// <summary>The push-to-talk button, tapped: listen until the endpoint.</summary>
    PushToTalkTap,

    /// <summary>A "listen" command (MQTT, CLI).</summary>
    ListenCommand,

    /// <summary>A "say" command: speak text without listening.</summary>
    Say,

    /// <summary>A clip to play (an intercom message) without listening.</summary>
    Play,
}

/// <summary>How the listening part of a turn ended.</summary>
public enum UtteranceEnd
{
    /// <summary>The turn did not listen (a "say" turn), or it was cut short before listening ended.</summary>
    None,

    /// <summary>Silence after speech reached the silence-to-end time.</summary>
    Silence,

    /// <summary>The push-to-talk button was released (or tapped again).</summary>
    Released,

    /// <summary>The utterance hit the max-utterance hard cap.</summary>
    MaxUtterance,

    /// <summary>No speech before the no-speech timeout.</summary>
    NoSpeech,

    /// <summary>The audio source ended.</summary>
    SourceEnded,
}

/// <summary>
/// Figures for one turn. Latencies are measured from the end of speech (the moment the endpointer decided
/// the user finished) with the pipeline's <see cref="TimeProvider"/>; null where the stage did not happen.
/// </summary>
public sealed record TurnMetrics
{
    /// <summary>Speech the VAD heard in the utterance.</summary>
    public TimeSpan SpeechDuration { get; init; }

    /// <summary>Audio handed to speech-to-text (speech plus prefix padding and trailing silence).</summary>
    public TimeSpan UtteranceDuration { get; init; }

    /// <summary>End of speech to the final transcript, in milliseconds.</summary>
    public double? EndOfSpeechToTranscriptMs { get; init; }

    /// <summary>End of speech to the first reply text from the workflow, in milliseconds.</summary>
    public double? EndOfSpeechToFirstReplyTextMs { get; init; }

    /// <summary>End of speech to the first reply audio accepted by the speaker, in milliseconds.</summary>
    public double? EndOfSpeechToFirstAudioMs { get; init; }

    /// <summary>Speech-to-text processing time divided by utterance duration.</summary>
    public double? SttRealTimeFactor { get; init; }

    /// <summary>Synthesis time divided by the duration of the synthesized audio.</summary>
    public double? TtsRealTimeFactor { get; init; }

    /// <summary>Audio the capture dropped during the turn (the reader fell behind).</summary>
    public TimeSpan DroppedAudio { get; init; }

    /// <summary>How listening ended.</summary>
    public UtteranceEnd UtteranceEnd { get; init; }

    /// <summary>Reply audio heard before a barge-in cut it, when one did.</summary>
    public TimeSpan? HeardBeforeBargeIn { get; init; }
}

/// <summary>
/// A pipeline event. Subscribers (LEDs, MQTT, logs, the CLI) receive them in <see cref="Sequence"/> order
/// through <see cref="PipelineEventBroadcaster.Subscribe"/>.
/// </summary>
public abstract record PipelineEvent
{
    /// <summary>Position in the pipeline's event stream (1, 2, ...), gap-free as published.</summary>
    public long Sequence { get; init; }

    /// <summary>When the event was published, from the pipeline's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The session the event belongs to; null for state changes and errors outside a session.</summary>
    public string? SessionId { get; init; }

    /// <summary>The snake_case event type, for example <c>session_ended</c>.</summary>
    public abstract string EventType { get; }
}

/// <summary><c>session_started</c>.</summary>
/// <param name="Trigger">What started it.</param>
public sealed record SessionStartedEvent(SessionTrigger Trigger) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "session_started";
}

/// <summary><c>turn_started</c>.</summary>
/// <param name="TurnIndex">Zero-based turn within the session.</param>
/// <param name="BargeIn">The turn started by interrupting the device's reply.</param>
public sealed record TurnStartedEvent(int TurnIndex, bool BargeIn) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "turn_started";
}

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

/// <summary><c>error</c>: an engine or device failed. The pipeline recovers (back to Idle, or retries the device).</summary>
/// <param name="Source">What failed: capture, playback, vad, stt, tts, workflow, watchdog.</param>
/// <param name="Message">The failure, as the component reported it.</param>
public sealed record PipelineErrorEvent(string Source, string Message) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "error";
}

/// <summary><c>state_changed</c>.</summary>
/// <param name="From">The previous state.</param>
/// <param name="To">The new state.</param>
public sealed record StateChangedEvent(PipelineState From, PipelineState To) : PipelineEvent
{
    /// <inheritdoc />
    public override string EventType => "state_changed";
}

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
