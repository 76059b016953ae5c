namespace VoiceAppliance.Pipeline;

/// <summary>One interaction, from its trigger to <c>session_ended</c>; it has turns (<see cref="PipelineTurn"/>).</summary>
internal sealed class PipelineSession(string id, SessionTrigger trigger, long startedAt)
{
    public string Id { get; } = id;

    public SessionTrigger Trigger { get; } = trigger;

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the start.</summary>
    public long StartedAt { get; } = startedAt;

    public int TurnCount { get; set; }

    /// <summary>The workflow asked to mute once the reply has been spoken.</summary>
    public bool MuteAfter { get; set; }

    /// <summary>The realtime provider failed in this session: its remaining turns take the local path.</summary>
    public bool RealtimeOff { get; set; }

    public TurnMetrics? LastMetrics { get; set; }

    /// <summary>Completes with the reason when the session ends.</summary>
    public TaskCompletionSource<SessionEndReason> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
