using System.Globalization;
using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Ends a stuck turn: armed on each state change and each sign of progress (a partial transcript, reply text, a
/// chunk played); when nothing happened for <see cref="PipelineOptions.WatchdogTimeout"/> it publishes an error
/// event and ends the session with reason timeout. It also stamps the turn's progress for
/// <see cref="PipelineHeartbeat"/>, which tells systemd when a turn ignores even this (its work never returns).
/// </summary>
internal sealed class TurnWatchdog : IDisposable
{
    private readonly SessionController _controller;
    private readonly TimeSpan _timeout;
    private readonly ITimer _timer;
    private long _lastProgress;

    public TurnWatchdog(SessionController controller, TimeSpan timeout, TimeProvider time)
    {
        _controller = controller;
        _timeout = timeout;
        _timer = time.CreateTimer(static s => ((TurnWatchdog)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Progress now: restarts the countdown. Under the controller's lock.</summary>
    public void ArmLocked()
    {
        _lastProgress = _controller.Time.GetTimestamp();
        if (_controller.Turn is { } turn)
        {
            turn.LastProgress = _lastProgress;
        }

        _timer.Change(_timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>No session: nothing to watch. Under the controller's lock.</summary>
    public void DisarmLocked() => _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    public void Dispose() => _timer.Dispose();

    private void OnTimer()
    {
        var c = _controller;
        lock (c.Gate)
        {
            if (c.Session is not { } session || c.Disposed)
            {
                return;
            }

            var quiet = c.Time.GetElapsedTime(_lastProgress);
            if (quiet < _timeout)
            {
                _timer.Change(_timeout - quiet, Timeout.InfiniteTimeSpan);
                return;
            }

            var state = c.Machine.State;
            var message = string.Create(CultureInfo.InvariantCulture, $"no progress while {state.ToWireName()} for {quiet.TotalSeconds:0.#} s; the turn was ended");
            PipelineLog.Watchdog(c.Logger, state, quiet.TotalSeconds);
            c.Events.Publish(new PipelineErrorEvent(PipelineErrorSource.Watchdog, message) { SessionId = session.Id });
            c.EndSessionLocked(SessionEndReason.Timeout, message, PipelineState.Idle);
        }
    }
}
