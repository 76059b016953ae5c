namespace VoiceAppliance.Pipeline;

/// <summary>
/// The pipeline's own health, for the systemd watchdog: the audio front end stamps <see cref="Beat"/> on every pass
/// of its loop (a frame handled, or a wait for the microphone timing out), and the turn runner registers each turn's
/// work. Healthy means the loop beat recently and no turn's work has gone without progress for longer than the turn
/// watchdog allows plus a grace (work that ignores even the watchdog's cancellation is wedged). A pipeline wedged
/// either way stops the WATCHDOG=1 pings, and systemd restarts the daemon. Times come from the
/// <see cref="TimeProvider"/>; a beat is one store, no allocation.
/// </summary>
public sealed class PipelineHeartbeat
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _stuckTurn;
    private readonly object _gate = new();
    private readonly List<PipelineTurn> _work = [];
    private readonly TaskCompletionSource _firstFrame = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastBeat;

    internal PipelineHeartbeat(TimeProvider time, SessionController controller)
    {
        _time = time;
        _stuckTurn = controller.Options.WatchdogTimeout * 2;
        _lastBeat = time.GetTimestamp();
    }

    /// <summary>Completes when the microphone delivered its first frame to the pipeline (readiness).</summary>
    public Task FirstFrame => _firstFrame.Task;

    /// <summary>Time since the loop last beat.</summary>
    public TimeSpan SinceLastBeat => _time.GetElapsedTime(Interlocked.Read(ref _lastBeat));

    /// <summary>
    /// True when the loop beat within <paramref name="maxQuiet"/> and no turn's work is wedged (see the class).
    /// <paramref name="loopRunning"/> false (the loop ended or failed) is unhealthy.
    /// </summary>
    public bool IsHealthy(TimeSpan maxQuiet, bool loopRunning = true)
    {
        if (!loopRunning || SinceLastBeat > maxQuiet)
        {
            return false;
        }

        lock (_gate)
        {
            foreach (var turn in _work)
            {
                if (_time.GetElapsedTime(turn.LastProgress) > _stuckTurn)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The loop made progress.</summary>
    internal void Beat() => Interlocked.Exchange(ref _lastBeat, _time.GetTimestamp());

    /// <summary>A frame was delivered (the first completes <see cref="FirstFrame"/>).</summary>
    internal void FrameDelivered()
    {
        Beat();
        if (!_firstFrame.Task.IsCompleted)
        {
            _firstFrame.TrySetResult();
        }
    }

    internal void WorkStarted(PipelineTurn turn)
    {
        turn.LastProgress = _time.GetTimestamp();
        lock (_gate)
        {
            _work.Add(turn);
        }
    }

    internal void WorkEnded(PipelineTurn turn)
    {
        lock (_gate)
        {
            _work.Remove(turn);
        }
    }
}
