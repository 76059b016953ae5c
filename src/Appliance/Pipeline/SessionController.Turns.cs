using VoiceAppliance.Workflows;

namespace VoiceAppliance.Pipeline;

/// <summary>The session controller's turn and session lifecycle: listen, end listening, finish, fail, end.</summary>
internal sealed partial class SessionController
{
    private static readonly TimeSpan s_unrecognizedSpeech = TimeSpan.FromSeconds(0.5);

    /// <summary>A new turn that listens (a trigger, a follow-up, a barge-in).</summary>
    public void StartListeningTurnLocked(PipelineSession session, bool hold, bool bargeIn, bool followUp)
    {
        var turn = StartTurnLocked(session, hold, bargeIn);
        FrontEnd.BeginUtteranceLocked(endOnSilence: !hold, noSpeechTimeout: followUp ? Options.FollowUpTimeout : Options.Endpointing.NoSpeechTimeout);
        BargeIn.ResetLocked();
        Machine.TransitionTo(PipelineState.Listening);
        Watchdog.ArmLocked();
        Runner.StartStreamingLocked(turn, keepPending: bargeIn);
        if (SourceEnded)
        {
            EndListeningLocked(turn, UtteranceEnd.SourceEnded);
        }
    }

    /// <summary>
    /// The listening part of <paramref name="turn"/> ended (<paramref name="how"/>): with speech it is transcribed
    /// (<see cref="TurnRunner.StartUserTurn"/>), without it the session ends.
    /// </summary>
    public void EndListeningLocked(PipelineTurn turn, UtteranceEnd how)
    {
        var session = turn.Session;
        var utterance = FrontEnd.TakeUtteranceLocked(out var speech);
        Metrics.UtteranceEnded(turn, how, speech ?? TimeSpan.Zero, utterance.Length, FrontEnd.TrailingSilenceLocked);

        // A speculation from the last pause is the transcript only when that silence ended the utterance.
        var speculation = turn.Speculation;
        turn.Speculation = null;
        if (speculation is not null && (speech is null || how is not (UtteranceEnd.Silence or UtteranceEnd.EarlyEndpoint)))
        {
            speculation.Cancel();
            speculation = null;
        }

        if (speculation is null && turn.Prefetch is { } prefetch)
        {
            prefetch.Cancel();
            turn.Prefetch = null;
        }

        if (speech is null)
        {
            turn.Incremental?.Dispose();
            TurnMetricsRecorder.NoSpeech(turn, how);
            PublishTurnEndedLocked(turn, interrupted: false);
            EndSessionLocked(session.TurnCount > 1 ? SessionEndReason.Nominal : SessionEndReason.NoSpeech, null, PipelineState.Idle);
            return;
        }

        Machine.TransitionTo(PipelineState.Transcribing);
        Watchdog.ArmLocked();
        if (turn.RealtimeStream is { } stream)
        {
            // The realtime turn has been running since listening began: it hears how listening ended.
            speculation?.Cancel();
            stream.ListeningEnded(how, utterance);
            return;
        }

        Runner.StartUserTurn(turn, utterance, speculation);
    }

    /// <summary>
    /// The final transcript is in. Returns the workflow turn to run, or null when the turn ended here (it was
    /// no longer current, or confirmed speech gave no words and was only a blip).
    /// </summary>
    public WorkflowTurn? OnFinalTranscriptLocked(PipelineTurn turn, string transcript, ReadOnlyMemory<float> audio, IApplianceControl appliance, string sttName)
    {
        if (!IsCurrent(turn))
        {
            return null;
        }

        turn.Transcript = transcript;
        Metrics.Transcribed(turn);
        Events.Publish(new TranscriptEvent(turn.Index, transcript, IsFinal: true, sttName) { SessionId = turn.Session.Id });
        // No words from confirmed speech is "not understood" (a grammar engine rejecting speech outside its
        // commands): the workflow answers with its fallback. Only a short blip counts as no speech.
        if (transcript.Length == 0 && turn.Metrics.SpeechDuration < s_unrecognizedSpeech)
        {
            PublishTurnEndedLocked(turn, interrupted: false);
            EndSessionLocked(SessionEndReason.NoSpeech, "the speech-to-text engine heard no words", PipelineState.Idle);
            return null;
        }

        Machine.TransitionTo(PipelineState.Thinking);
        Watchdog.ArmLocked();
        var workflowTurn = new WorkflowTurn(turn.Session.Id, turn.Index, transcript, audio, SampleRate, appliance) { Providers = turn.Providers };
        turn.WorkflowTurn = workflowTurn;
        return workflowTurn;
    }

    /// <summary>The reply was spoken to its end: a follow-up turn listens, else the session ends.</summary>
    public void FinishReplyLocked(PipelineTurn turn, ReplyResult result, WorkflowTurn? workflowTurn)
    {
        turn.ReplyText = result.Text;
        TurnMetricsRecorder.ReplyFinished(turn, result);
        PublishTurnEndedLocked(turn, interrupted: false);
        var session = turn.Session;
        if (workflowTurn is { FollowUpRequested: true } && !session.MuteAfter)
        {
            StartListeningTurnLocked(session, hold: false, bargeIn: false, followUp: true);
            return;
        }

        var reason = workflowTurn is { IntentNotRecognized: true } ? SessionEndReason.IntentNotRecognized : SessionEndReason.Nominal;
        EndSessionLocked(reason, null, session.MuteAfter ? PipelineState.Muted : PipelineState.Idle);
    }

    public void PublishTurnEndedLocked(PipelineTurn turn, bool interrupted)
    {
        if (turn.Ended)
        {
            return;
        }

        turn.Ended = true;
        Metrics.TurnEnded(turn, Engines.Capture.DroppedSamples);
        Events.Publish(new TurnEndedEvent(turn.Index, turn.Transcript, turn.WorkflowTurn?.Intent, turn.ReplyText, interrupted, turn.Metrics) { SessionId = turn.Session.Id });
    }

    /// <summary>Ends the session in progress with <paramref name="reason"/> and moves to <paramref name="next"/>.</summary>
    public void EndSessionLocked(SessionEndReason reason, string? detail, PipelineState next)
    {
        if (Session is not { } session)
        {
            return;
        }

        if (Turn is { } turn)
        {
            CancelReply(turn);
            if (!turn.Ended && Machine.State == PipelineState.Speaking)
            {
                Engines.Playback.StopImmediately();
                TurnMetricsRecorder.Interrupted(turn, turn.Streamer?.Heard ?? turn.Realtime?.Heard);
            }

            PublishTurnEndedLocked(turn, interrupted: true);
        }

        Session = null;
        Turn = null;
        Engines.Realtime?.EndSession(session.Id);
        var duration = Time.GetElapsedTime(session.StartedAt);
        Events.Publish(new SessionEndedEvent(reason, session.TurnCount, duration, session.LastMetrics, detail) { SessionId = session.Id });
        PipelineLog.SessionEnded(Logger, session.Id, reason, duration.TotalMilliseconds);
        if (next == PipelineState.Idle && session.MuteAfter && reason is SessionEndReason.Nominal or SessionEndReason.IntentNotRecognized)
        {
            next = PipelineState.Muted;
        }
        else if (next == PipelineState.Idle && MicrophoneLost)
        {
            next = PipelineState.Error; // a reply finished while the microphone was gone: wait for it in Error
        }

        Machine.TransitionTo(next);
        Watchdog.DisarmLocked();
        session.Done.TrySetResult(reason);
    }

    /// <summary>An engine or device failed: error event, Error state, the session ends with error, then Idle (or stay in Error until the device is back).</summary>
    public void FailLocked(string stage, Exception ex, bool stayInError)
    {
        Events.Publish(new PipelineErrorEvent(stage, ex.Message) { SessionId = Session?.Id });
        if (Machine.State == PipelineState.Muted)
        {
            return;
        }

        Machine.TransitionTo(PipelineState.Error);
        if (Session is not null)
        {
            EndSessionLocked(SessionEndReason.Error, $"{stage}: {ex.Message}", stayInError ? PipelineState.Error : PipelineState.Idle);
        }
        else if (!stayInError)
        {
            Machine.TransitionTo(PipelineState.Idle);
        }

        Watchdog.DisarmLocked();
    }

    /// <summary>A read from the microphone failed: Error while it matters (idle, listening), else only reported.</summary>
    public void CaptureReadFailedLocked(Exception ex)
    {
        if (Machine.State is PipelineState.Idle or PipelineState.Listening)
        {
            FailLocked(PipelineErrorSource.Capture, ex, stayInError: true);
        }
        else
        {
            // Transcribing, thinking or speaking do not need the microphone: report and retry.
            Events.Publish(new PipelineErrorEvent(PipelineErrorSource.Capture, ex.Message) { SessionId = Session?.Id });
        }
    }

    /// <summary>The retry after a failed read is due: back to Idle unless the device is known to be gone.</summary>
    public void CaptureRetryLocked()
    {
        if (Machine.State == PipelineState.Error && !MicrophoneLost)
        {
            Machine.TransitionTo(PipelineState.Idle);
        }
    }

    /// <summary>
    /// The microphone device is gone (it failed and cannot be reopened yet): an <c>error</c> event and the Error
    /// state (a listening session ends with error; a reply in progress finishes first), until <see cref="MicrophoneBack"/>.
    /// </summary>
    public void MicrophoneGone(string device, string error)
    {
        lock (Gate)
        {
            if (MicrophoneLost || Disposed)
            {
                return;
            }

            MicrophoneLost = true;
            PipelineLog.MicrophoneLost(Logger, device, error);
            var ex = new IOException($"the microphone '{device}' is unavailable: {error}");
            if (Machine.State is PipelineState.Idle or PipelineState.Listening)
            {
                FailLocked(PipelineErrorSource.Capture, ex, stayInError: true);
            }
            else
            {
                Events.Publish(new PipelineErrorEvent(PipelineErrorSource.Capture, ex.Message) { SessionId = Session?.Id });
            }
        }
    }

    /// <summary>The microphone device is back: Error -> Idle (the <c>state_changed</c> event is the recovery MQTT and the LEDs see).</summary>
    public void MicrophoneBack(string device)
    {
        lock (Gate)
        {
            if (!MicrophoneLost || Disposed)
            {
                return;
            }

            MicrophoneLost = false;
            PipelineLog.MicrophoneBack(Logger, device);
            FrontEnd.ClearPreRollLocked();
            if (Machine.State == PipelineState.Error)
            {
                Machine.TransitionTo(PipelineState.Idle);
            }
        }
    }
}
