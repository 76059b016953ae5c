namespace VoiceAppliance.Pipeline;

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

    /// <summary>
    /// What the user feels: from the end of the VAD's last speech window to the first reply audio, in milliseconds —
    /// the silence the endpointer had counted when listening ended (audio time: wall time with a live microphone) plus
    /// <see cref="EndOfSpeechToFirstAudioMs"/>.
    /// </summary>
    public double? LastVoiceToFirstAudioMs { get; init; }

    /// <summary>Silence after the last speech window when listening ended (the part of the wait the endpointer adds).</summary>
    public TimeSpan TrailingSilence { get; init; }

    /// <summary>Speech-to-text processing time divided by utterance duration.</summary>
    public double? SttRealTimeFactor { get; init; }

    /// <summary>Synthesis time divided by the duration of the synthesized audio.</summary>
    public double? TtsRealTimeFactor { get; init; }

    /// <summary>Audio the capture dropped during the turn (the reader fell behind).</summary>
    public TimeSpan DroppedAudio { get; init; }

    /// <summary>How listening ended.</summary>
    public UtteranceEnd UtteranceEnd { get; init; }

    /// <summary>
    /// The transcript was taken during a pause (<see cref="EarlyEndpointOptions"/>) and kept because the silence
    /// ended the utterance with no new speech: no decode ran after the endpoint.
    /// </summary>
    public bool SpeculativeTranscript { get; init; }

    /// <summary>
    /// A pause in this turn was let run up to <see cref="EarlyEndpointOptions.UnfinishedSilence"/> because its guess
    /// was an unfinished command (the user hesitated mid-command).
    /// </summary>
    public bool PauseExtended { get; init; }

    /// <summary>
    /// Whisper incremental speculation (<see cref="SpeculationOptions"/>): windows of the utterance decoded and committed
    /// while the user spoke; null when the turn did not speculate incrementally.
    /// </summary>
    public int? SpeculativeDecodes { get; init; }

    /// <summary>Audio of the tail decoded after the last committed window (at the endpoint or in the pause); null when the turn did not speculate incrementally.</summary>
    public TimeSpan? TailDuration { get; init; }

    /// <summary>The reply's first sentence was synthesised from the pause's guess before the turn was confirmed (<see cref="SpeechPrefetch"/>).</summary>
    public bool PrefetchedReply { get; init; }

    /// <summary>The turn ended early: its speculative transcript was a complete command (<see cref="UtteranceEnd.EarlyEndpoint"/>).</summary>
    public bool EarlyEndpoint => UtteranceEnd == UtteranceEnd.EarlyEndpoint;

    /// <summary>Reply audio heard before a barge-in cut it, when one did.</summary>
    public TimeSpan? HeardBeforeBargeIn { get; init; }

    /// <summary>The providers that served the turn, e.g. <c>stt=cloud-stt llm=cloud-llm tts=piper</c> (null: none recorded).</summary>
    public string? Provider { get; init; }

    /// <summary>Every fallback taken in the turn and why, e.g. <c>tts: cloud-tts http_500 -> piper</c> (null: none).</summary>
    public string? FallbackReason { get; init; }
}
