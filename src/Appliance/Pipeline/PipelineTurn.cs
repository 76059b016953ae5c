using VoiceAppliance.Workflows;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// One turn of a <see cref="PipelineSession"/>: the user's utterance (or a say/play request) and the reply. Its
/// <see cref="ReplyCts"/> cancels everything the turn runs; a cancelled turn is no longer current.
/// </summary>
internal sealed class PipelineTurn(PipelineSession session, int index, bool hold, long droppedAtStart)
{
    public PipelineSession Session { get; } = session;

    public int Index { get; } = index;

    /// <summary>Push-to-talk hold: only the release (or the cap) ends the utterance.</summary>
    public bool Hold { get; } = hold;

    /// <summary>The capture's dropped-sample counter when the turn started (for the metrics).</summary>
    public long DroppedAtStart { get; } = droppedAtStart;

    public CancellationTokenSource ReplyCts { get; } = new();

    /// <summary>Timestamp of the endpoint decision (the metrics' zero).</summary>
    public long EndOfSpeech { get; set; }

    public TimeSpan SttTime { get; set; }

    public string? Transcript { get; set; }

    public string ReplyText { get; set; } = string.Empty;

    public WorkflowTurn? WorkflowTurn { get; set; }

    public ReplyStreamer? Streamer { get; set; }

    /// <summary>The realtime answer in progress (<see cref="IRealtimeSpeech"/>), when the turn is a realtime one.</summary>
    public RealtimeTurnSink? Realtime { get; set; }

    /// <summary>The microphone streamed to a realtime server that ends turns, while this turn is the one streaming.</summary>
    public RealtimeAudioStream? RealtimeStream { get; set; }

    public TurnMetrics Metrics { get; set; } = new();

    /// <summary>Timestamp of the turn's last progress (the watchdog's stamp), for <see cref="PipelineHeartbeat"/>.</summary>
    public long LastProgress { get; set; }

    /// <summary>The speculative transcription of the utterance so far (started in a pause), while it may still be the transcript.</summary>
    public Speculation? Speculation { get; set; }

    /// <summary>Whisper's incremental speculation while the user speaks (<see cref="SpeculationOptions"/>), when it runs.</summary>
    public IncrementalTranscript? Incremental { get; set; }

    /// <summary>Whether this turn was checked for incremental speculation (done on its first speech window).</summary>
    public bool IncrementalChecked { get; set; }

    /// <summary>The incremental transcription that made the transcript (windows committed, tail decoded), if one did.</summary>
    public IncrementalResult? IncrementalResult { get; set; }

    /// <summary>The transcript is the speculative one (no decode after the endpoint).</summary>
    public bool SpeculativeTranscript { get; set; }

    /// <summary>A pause was let run longer because the guess was an unfinished command.</summary>
    public bool PauseExtended { get; set; }

    /// <summary>The first sentence of the reply to the pause's guess, synthesised before the turn is confirmed.</summary>
    public SpeechPrefetch? Prefetch { get; set; }

    /// <summary>The reply's voice when it may use <see cref="Prefetch"/>; says whether it did.</summary>
    public PrefetchingTextToSpeech? PrefetchingVoice { get; set; }

    /// <summary><c>turn_ended</c> was published.</summary>
    public bool Ended { get; set; }

    /// <summary>The providers that served the turn and the fallbacks taken.</summary>
    public Workflows.ProviderLog Providers { get; } = new();
}
