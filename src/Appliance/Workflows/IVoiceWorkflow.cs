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
}

/// <summary>
/// The appliance controls a workflow may use: volume, mute, speaking later (timers, announcements).
/// The pipeline implements it.
/// </summary>
public interface IApplianceControl
{
    /// <summary>Speaker volume, 0-100.</summary>
    int Volume { get; set; }

    /// <summary>Mutes the microphone once the current reply has been spoken.</summary>
    void MuteAfterReply();

    /// <summary>
    /// Speaks <paramref name="text"/> as its own session when the pipeline is idle; returns false when it
    /// is busy or muted (try again later).
    /// </summary>
    bool Say(string text);
}

/// <summary>One user turn as a workflow sees it, and the workflow's answers about the session.</summary>
public sealed class WorkflowTurn
{
    /// <summary>Creates a turn.</summary>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="turnIndex">Zero-based turn in the session.</param>
    /// <param name="transcript">The final transcript.</param>
    /// <param name="audio">The utterance (16 kHz mono). Valid only until the workflow's enumeration ends: copy what you keep.</param>
    /// <param name="sampleRate">Sample rate of <paramref name="audio"/>.</param>
    /// <param name="appliance">The appliance controls.</param>
    public WorkflowTurn(string sessionId, int turnIndex, string transcript, ReadOnlyMemory<float> audio, int sampleRate, IApplianceControl appliance)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(appliance);
        SessionId = sessionId;
        TurnIndex = turnIndex;
        Transcript = transcript;
        Audio = audio;
        SampleRate = sampleRate;
        Appliance = appliance;
    }

    /// <summary>The session's id.</summary>
    public string SessionId { get; }

    /// <summary>Zero-based turn in the session.</summary>
    public int TurnIndex { get; }

    /// <summary>What the user said (final transcript).</summary>
    public string Transcript { get; }

    /// <summary>The utterance audio; valid only until the enumeration ends.</summary>
    public ReadOnlyMemory<float> Audio { get; }

    /// <summary>Sample rate of <see cref="Audio"/>.</summary>
    public int SampleRate { get; }

    /// <summary>Volume, mute, and speaking later.</summary>
    public IApplianceControl Appliance { get; }

    /// <summary>The intent the workflow recognised, for the turn report.</summary>
    public string? Intent { get; set; }

    /// <summary>Set by <see cref="ContinueSession"/>.</summary>
    public bool FollowUpRequested { get; private set; }

    /// <summary>Set by <see cref="ReportIntentNotRecognized"/>.</summary>
    public bool IntentNotRecognized { get; private set; }

    /// <summary>Listen for another turn in this session after the reply, without a new trigger.</summary>
    public void ContinueSession() => FollowUpRequested = true;

    /// <summary>The workflow did not understand the transcript; the session ends with intent_not_recognized.</summary>
    public void ReportIntentNotRecognized() => IntentNotRecognized = true;
}
