namespace VoiceAppliance.Workflows;

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

    /// <summary>Which providers served the turn and the fallbacks taken (the pipeline reports them in <c>turn_ended</c>).</summary>
    public ProviderLog Providers { get; init; } = new();

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
