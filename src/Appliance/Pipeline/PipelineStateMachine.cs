using System.Runtime.CompilerServices;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// The pipeline's one state machine: the current <see cref="PipelineState"/> and the table of allowed
/// transitions. Every transition publishes a <see cref="StateChangedEvent"/>; a transition the table does
/// not allow is a bug in the pipeline and throws.
/// </summary>
/// <remarks>
/// <code>
/// Idle         -> Listening (trigger) | Thinking (say: preparing the speech) | Muted | Error (device)
/// Listening    -> Transcribing (endpoint, release, cap) | Idle (no speech, stop) | Muted | Error
/// Transcribing -> Thinking (transcript) | Idle (empty transcript, stop, watchdog) | Muted | Error
/// Thinking     -> Speaking (first reply audio) | Listening (follow-up without reply) | Idle (no reply, stop, watchdog) | Muted | Error
/// Speaking     -> Listening (barge-in, follow-up) | Idle (reply played, stop, watchdog) | Muted | Error
/// Muted        -> Idle (unmute) | Error (device)
/// Error        -> Idle (recovered) | Muted
/// </code>
/// </remarks>
public sealed class PipelineStateMachine
{
    private static readonly PipelineState[][] s_allowed = BuildTable();

    private readonly PipelineEventBroadcaster _events;
    private PipelineState _state;

    /// <summary>Starts in <see cref="PipelineState.Idle"/>.</summary>
    public PipelineStateMachine(PipelineEventBroadcaster events)
    {
        ArgumentNullException.ThrowIfNull(events);
        _events = events;
    }

    /// <summary>The current state.</summary>
    public PipelineState State => (PipelineState)Volatile.Read(ref Unsafe.As<PipelineState, int>(ref _state));

    /// <summary>True when the table allows <paramref name="from"/> -> <paramref name="to"/>.</summary>
    public static bool IsAllowed(PipelineState from, PipelineState to) =>
        (uint)from < (uint)s_allowed.Length && Array.IndexOf(s_allowed[(int)from], to) >= 0;

    /// <summary>
    /// Moves to <paramref name="to"/> and publishes <c>state_changed</c>. Callers serialise calls (the
    /// pipeline holds its lock). Moving to the current state does nothing and returns false.
    /// </summary>
    /// <exception cref="InvalidOperationException">The table does not allow the transition.</exception>
    public bool TransitionTo(PipelineState to)
    {
        var from = State;
        if (from == to)
        {
            return false;
        }

        if (!IsAllowed(from, to))
        {
            throw new InvalidOperationException($"The pipeline cannot go from {from} to {to}; this is a bug in the pipeline.");
        }

        Volatile.Write(ref Unsafe.As<PipelineState, int>(ref _state), (int)to);
        _events.Publish(new StateChangedEvent(from, to));
        return true;
    }

    private static PipelineState[][] BuildTable()
    {
        var table = new PipelineState[Enum.GetValues<PipelineState>().Length][];
        table[(int)PipelineState.Idle] = [PipelineState.Listening, PipelineState.Thinking, PipelineState.Muted, PipelineState.Error];
        table[(int)PipelineState.Listening] = [PipelineState.Transcribing, PipelineState.Idle, PipelineState.Muted, PipelineState.Error];
        table[(int)PipelineState.Transcribing] = [PipelineState.Thinking, PipelineState.Idle, PipelineState.Muted, PipelineState.Error];
        table[(int)PipelineState.Thinking] = [PipelineState.Speaking, PipelineState.Listening, PipelineState.Idle, PipelineState.Muted, PipelineState.Error];
        table[(int)PipelineState.Speaking] = [PipelineState.Listening, PipelineState.Idle, PipelineState.Muted, PipelineState.Error];
        table[(int)PipelineState.Muted] = [PipelineState.Idle, PipelineState.Error];
        table[(int)PipelineState.Error] = [PipelineState.Idle, PipelineState.Muted];
        return table;
    }
}
