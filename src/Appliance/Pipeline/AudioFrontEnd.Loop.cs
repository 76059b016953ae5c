using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Pipeline;

/// <summary>The front end's thread: read a window, beat, process; a failing microphone backs off.</summary>
internal sealed partial class AudioFrontEnd
{
    /// <summary>Windows taken per wake-up of the thread while Idle with no wake word (<see cref="WantedSamples"/>).</summary>
    internal const int IdleWindowsPerWakeUp = 4;

    private readonly TaskCompletionSource _loopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _stopping;

    /// <summary>
    /// Starts the loop on its own thread; the task completes when the source ends or <paramref name="cancellationToken"/>
    /// is cancelled, and faults when the capture died (<see cref="AudioCaptureFailedException"/>) or the loop failed.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        var thread = new Thread(Run)
        {
            IsBackground = true,
            Name = "pipeline-audio",
        };
        thread.Start();
        return _loopDone.Task;
    }

    private void Run()
    {
        var ct = _stopping;
        var retryDelay = _c.Options.CaptureRetryDelay;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                bool more;
                try
                {
                    more = ReadFrame(ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is not AudioCaptureFailedException)
                {
                    PipelineLog.CaptureFailed(_c.Logger, ex, retryDelay.TotalSeconds);
                    // Created before the state changes: whoever sees Error can already advance the clock past it.
                    var wait = Task.Delay(retryDelay, _c.Time, ct);
                    lock (_c.Gate)
                    {
                        _c.CaptureReadFailedLocked(ex);
                    }

                    if (!WaitBeating(wait))
                    {
                        break;
                    }

                    retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, s_maxCaptureRetryDelay.Ticks));
                    lock (_c.Gate)
                    {
                        _c.CaptureRetryLocked();
                    }

                    continue;
                }

                if (!more)
                {
                    break;
                }

                retryDelay = _c.Options.CaptureRetryDelay;
                _c.Heartbeat.FrameDelivered();
                ProcessFrameGuarded();
            }

            _loopDone.TrySetResult();
        }
        catch (Exception ex)
        {
            PipelineLog.FrontEndFailed(_c.Logger, ex);
            _loopDone.TrySetException(ex);
        }
    }

    private void ProcessFrameGuarded()
    {
        try
        {
            ProcessFrame(_frame);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug must not stop the microphone: report it, end the session, carry on.
            PipelineLog.StageFailed(_c.Logger, ex, PipelineErrorSource.Pipeline);
            lock (_c.Gate)
            {
                _c.FailLocked(PipelineErrorSource.Pipeline, ex, stayInError: false);
            }
        }
    }

    /// <summary>Fills the frame; false when the source ended. Beats while it waits.</summary>
    private bool ReadFrame(CancellationToken ct)
    {
        if (_capture is IBlockingAudioCapture blocking)
        {
            var filled = 0;
            while (true)
            {
                filled += blocking.TryRead(_frame.AsSpan(filled));
                if (filled == _frame.Length)
                {
                    return true;
                }

                if (blocking.HasEnded && blocking.BufferedSamples == 0)
                {
                    if (blocking.Failure is { } failure)
                    {
                        throw new AudioCaptureFailedException("The capture thread failed; the microphone is dead until the daemon restarts.", failure);
                    }

                    if (filled == 0)
                    {
                        return false;
                    }

                    _frame.AsSpan(filled).Clear(); // the last, partial window: pad with silence
                    return true;
                }

                if (!blocking.WaitForSamples(WantedSamples(filled), s_beatInterval, ct))
                {
                    _c.Heartbeat.Beat();
                }
            }
        }

        // Any other source (a WAV file, a test's fake): its ValueTask, waited for on this thread.
        var pending = _capture.ReadAsync(_frameMemory, ct);
        if (pending.IsCompleted)
        {
            return pending.GetAwaiter().GetResult();
        }

        var task = pending.AsTask();
        while (!WaitQuietly(task, s_beatInterval))
        {
            _c.Heartbeat.Beat();
        }

        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// How many samples to wait for when the ring ran dry with <paramref name="filled"/> of the window read: the rest
    /// of the window, or, while Idle with no wake word, <see cref="IdleWindowsPerWakeUp"/> whole windows. Nothing is
    /// decided per window then (the frames only feed the pre-roll ring), so the thread wakes 8 times a second instead
    /// of 31 and takes the windows in a burst; a trigger still takes effect at once (the controller changes state on
    /// its own thread), and the session's first windows, kept in the capture's ring, reach the VAD at most
    /// <c>IdleWindowsPerWakeUp - 1</c> windows later. Waking an idle core costs more than the work of a window (issue
    /// 13's idle bench: 80 µs per wake-up of this thread on a quiet machine).
    /// </summary>
    private int WantedSamples(int filled) =>
        filled == 0 && _wake is null && _c.Machine.State == PipelineState.Idle
            ? _frame.Length * IdleWindowsPerWakeUp
            : _frame.Length - filled;

    /// <summary>Waits for <paramref name="wait"/> in beats; false when it was cancelled.</summary>
    private bool WaitBeating(Task wait)
    {
        while (!WaitQuietly(wait, s_beatInterval))
        {
            _c.Heartbeat.Beat();
        }

        _c.Heartbeat.Beat();
        return wait.IsCompletedSuccessfully;
    }

    private static bool WaitQuietly(Task task, TimeSpan timeout)
    {
        try
        {
            return task.Wait(timeout);
        }
        catch (AggregateException)
        {
            return true; // completed (faulted or cancelled): the caller observes it
        }
    }
}
