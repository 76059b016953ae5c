using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// A pipeline event as a flat JSON object for MQTT and logs, in the shape Home Assistant's event
/// entities take (<c>{"event_type":"session_ended","reason":"timeout","latency_ms":2140,"text":"..."}</c>;
/// extra keys become attributes). Null fields are left out. Serialised by <see cref="PipelineJsonContext"/>
/// (source-generated; AOT-safe).
/// </summary>
public sealed record PipelineEventPayload
{
    /// <summary>snake_case event type.</summary>
    public required string EventType { get; init; }

    /// <summary>Sequence number in the pipeline's stream.</summary>
    public long Sequence { get; init; }

    /// <summary>ISO-8601 time.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The session.</summary>
    public string? SessionId { get; init; }

    /// <summary>state_changed: the new state; session_started: the trigger.</summary>
    public string? State { get; init; }

    /// <summary>state_changed: the previous state.</summary>
    public string? From { get; init; }

    /// <summary>session_started: what started it.</summary>
    public string? Trigger { get; init; }

    /// <summary>session_ended: why.</summary>
    public string? Reason { get; init; }

    /// <summary>Turn index.</summary>
    public int? Turn { get; init; }

    /// <summary>transcript / turn_ended: what the user said.</summary>
    public string? Text { get; init; }

    /// <summary>transcript: final or partial.</summary>
    public bool? IsFinal { get; init; }

    /// <summary>turn_ended: recognised intent.</summary>
    public string? Intent { get; init; }

    /// <summary>turn_ended: reply text.</summary>
    public string? Reply { get; init; }

    /// <summary>turn_ended: cut short.</summary>
    public bool? Interrupted { get; init; }

    /// <summary>End of speech to first reply audio (ms): the latency users feel.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>The VAD's last speech window to first reply audio (ms): what the user feels.</summary>
    public double? VoiceToAudioMs { get; init; }

    /// <summary>End of speech to final transcript (ms).</summary>
    public double? TranscriptMs { get; init; }

    /// <summary>End of speech to first reply text (ms).</summary>
    public double? FirstTextMs { get; init; }

    /// <summary>STT real-time factor.</summary>
    public double? SttRtf { get; init; }

    /// <summary>TTS real-time factor.</summary>
    public double? TtsRtf { get; init; }

    /// <summary>Speech heard by the VAD (s).</summary>
    public double? SpeechSeconds { get; init; }

    /// <summary>Audio dropped by the capture (s).</summary>
    public double? DroppedSeconds { get; init; }

    /// <summary>How listening ended.</summary>
    public string? UtteranceEnd { get; init; }

    /// <summary>turn_ended: true when the transcript was taken during a pause and kept (no decode after the endpoint); absent otherwise.</summary>
    public bool? SpeculativeTranscript { get; init; }

    /// <summary>turn_ended: true when the reply's first sentence was synthesised before the turn was confirmed; absent otherwise.</summary>
    public bool? PrefetchedReply { get; init; }

    /// <summary>turn_ended: true when a pause was let run longer because the user stopped mid-command; absent otherwise.</summary>
    public bool? PauseExtended { get; init; }

    /// <summary>turn_ended: windows whisper decoded and committed while the user spoke (<c>Pipeline:Speculation</c>); absent when the turn did not speculate incrementally.</summary>
    public int? SpeculativeDecodes { get; init; }

    /// <summary>turn_ended: ms of audio after the last committed window that whisper decoded at the end; absent when the turn did not speculate incrementally.</summary>
    public double? TailMs { get; init; }

    /// <summary>turn_ended: whether the turn ended early on a complete command (see <c>Pipeline:EarlyEndpoint</c>).</summary>
    public bool? EarlyEndpoint { get; init; }

    /// <summary>session_ended: number of turns.</summary>
    public int? Turns { get; init; }

    /// <summary>The providers that served the turn (<c>stt=... llm=... tts=...</c>).</summary>
    public string? Provider { get; init; }

    /// <summary>The fallbacks taken in the turn and why.</summary>
    public string? FallbackReason { get; init; }

    /// <summary>session_ended: duration (ms).</summary>
    public double? DurationMs { get; init; }

    /// <summary>error: failing component.</summary>
    public string? Source { get; init; }

    /// <summary>error / session_ended: what happened.</summary>
    public string? Message { get; init; }

    /// <summary>wake: the wake word heard.</summary>
    public string? Word { get; init; }

    /// <summary>wake: its score (0..1).</summary>
    public double? Score { get; init; }

    /// <summary>wake: what it did (listen, event).</summary>
    public string? Action { get; init; }

    /// <summary>wake with action event: the configured event name.</summary>
    public string? Event { get; init; }

    /// <summary>The payload of <paramref name="pipelineEvent"/>.</summary>
    public static PipelineEventPayload Create(PipelineEvent pipelineEvent)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        var p = new PipelineEventPayload
        {
            EventType = pipelineEvent.EventType,
            Sequence = pipelineEvent.Sequence,
            Timestamp = pipelineEvent.Timestamp,
            SessionId = pipelineEvent.SessionId,
        };
        return pipelineEvent switch
        {
            StateChangedEvent e => p with { State = e.To.ToWireName(), From = e.From.ToWireName() },
            SessionStartedEvent e => p with { Trigger = Snake(e.Trigger.ToString()) },
            TurnStartedEvent e => p with { Turn = e.TurnIndex, Interrupted = e.BargeIn ? true : null },
            TranscriptEvent e => p with { Turn = e.TurnIndex, Text = e.Text, IsFinal = e.IsFinal, Source = e.Engine },
            TurnEndedEvent e => WithMetrics(p with { Turn = e.TurnIndex, Text = e.Transcript, Intent = e.Intent, Reply = e.ReplyText, Interrupted = e.Interrupted }, e.Metrics),
            SessionEndedEvent e => WithMetrics(p with { Reason = e.Reason.ToWireName(), Turns = e.Turns, DurationMs = Math.Round(e.Duration.TotalMilliseconds, 1), Message = e.Detail }, e.LastTurn),
            PipelineErrorEvent e => p with { Source = e.Source, Message = e.Message },
            WakeWordEvent e => p with { Word = e.Word, Score = Math.Round(e.Score, 3), Action = Snake(e.Action.ToString()), Event = e.EventName, Interrupted = e.BargeIn ? true : null },
            _ => p,
        };
    }

    /// <summary>The event as JSON (snake_case keys, nulls omitted).</summary>
    public static string ToJson(PipelineEvent pipelineEvent) => JsonSerializer.Serialize(Create(pipelineEvent), PipelineJsonContext.Default.PipelineEventPayload);

    /// <summary>A one-line human summary for the CLI and logs.</summary>
    public static string ToLine(PipelineEvent pipelineEvent)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        var c = CultureInfo.InvariantCulture;
        var head = string.Create(c, $"[{pipelineEvent.Timestamp:HH:mm:ss.fff}] {pipelineEvent.EventType,-15}");
        return pipelineEvent switch
        {
            StateChangedEvent e => string.Create(c, $"{head} {e.From.ToWireName()} -> {e.To.ToWireName()}"),
            SessionStartedEvent e => string.Create(c, $"{head} {e.SessionId} by {Snake(e.Trigger.ToString())}"),
            TurnStartedEvent e => string.Create(c, $"{head} turn {e.TurnIndex}{(e.BargeIn ? " (barge-in)" : string.Empty)}"),
            TranscriptEvent e => string.Create(c, $"{head} {(e.IsFinal ? "final" : "partial")} \"{e.Text}\" ({e.Engine})"),
            TurnEndedEvent e => string.Create(c, $"{head} turn {e.TurnIndex} intent={e.Intent ?? "-"} reply=\"{e.Reply()}\"{(e.Interrupted ? " interrupted" : string.Empty)} | {Metrics(e.Metrics)}"),
            SessionEndedEvent e => string.Create(c, $"{head} {e.Reason.ToWireName()} after {e.Turns} turn(s), {e.Duration.TotalMilliseconds:0} ms{(e.Detail is null ? string.Empty : " — " + e.Detail)}"),
            PipelineErrorEvent e => string.Create(c, $"{head} {e.Source}: {e.Message}"),
            WakeWordEvent e => string.Create(c, $"{head} {e.Word} score {e.Score:0.000} -> {(e.Action == WakeWordAction.Event ? "event " + e.EventName : e.BargeIn ? "barge-in" : "listen")}"),
            _ => head,
        };
    }

    private static string Metrics(TurnMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"speech {m.SpeechDuration.TotalSeconds:0.00} s, end {Snake(m.UtteranceEnd.ToString())}, EOS->transcript {Ms(m.EndOfSpeechToTranscriptMs)}, ->first text {Ms(m.EndOfSpeechToFirstReplyTextMs)}, ->first audio {Ms(m.EndOfSpeechToFirstAudioMs)}, last voice->first audio {Ms(m.LastVoiceToFirstAudioMs)}, STT RTF {Rtf(m.SttRealTimeFactor)}, TTS RTF {Rtf(m.TtsRealTimeFactor)}, dropped {m.DroppedAudio.TotalMilliseconds:0} ms{(m.Provider is null ? string.Empty : ", " + m.Provider)}{(m.FallbackReason is null ? string.Empty : ", fallback: " + m.FallbackReason)}");

    private static string Ms(double? v) => v is { } x ? string.Create(CultureInfo.InvariantCulture, $"{x:0} ms") : "-";

    private static string Rtf(double? v) => v is { } x ? string.Create(CultureInfo.InvariantCulture, $"{x:0.00}") : "-";

    private static PipelineEventPayload WithMetrics(PipelineEventPayload p, TurnMetrics? m) => m is null ? p : p with
    {
        LatencyMs = Round(m.EndOfSpeechToFirstAudioMs),
        VoiceToAudioMs = Round(m.LastVoiceToFirstAudioMs),
        TranscriptMs = Round(m.EndOfSpeechToTranscriptMs),
        FirstTextMs = Round(m.EndOfSpeechToFirstReplyTextMs),
        SttRtf = Round(m.SttRealTimeFactor, 3),
        TtsRtf = Round(m.TtsRealTimeFactor, 3),
        SpeechSeconds = Math.Round(m.SpeechDuration.TotalSeconds, 3),
        DroppedSeconds = Math.Round(m.DroppedAudio.TotalSeconds, 3),
        UtteranceEnd = Snake(m.UtteranceEnd.ToString()),
        SpeculativeTranscript = m.SpeculativeTranscript ? true : null,
        PauseExtended = m.PauseExtended ? true : null,
        PrefetchedReply = m.PrefetchedReply ? true : null,
        SpeculativeDecodes = m.SpeculativeDecodes,
        TailMs = m.TailDuration is { } tail ? Math.Round(tail.TotalMilliseconds, 1) : null,
        Provider = m.Provider,
        FallbackReason = m.FallbackReason,
        EarlyEndpoint = m.EarlyEndpoint,
    };

    private static double? Round(double? v, int digits = 1) => v is { } x ? Math.Round(x, digits) : null;

    private static string Snake(string pascal)
    {
        var sb = new System.Text.StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(pascal[i]));
        }

        return sb.ToString();
    }
}

internal static class TurnEndedEventExtensions
{
    public static string Reply(this TurnEndedEvent e) => e.ReplyText.Length > 60 ? e.ReplyText[..57] + "..." : e.ReplyText;
}
