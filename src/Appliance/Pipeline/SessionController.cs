using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Sessions, turns and states: turns triggers (button, commands, say, play, a barge-in) into sessions of turns,
/// moves the one <see cref="PipelineStateMachine"/> and publishes the lifecycle events. It owns the pipeline's lock
/// (<see cref="Gate"/>): every part takes it to read or change the session, the turn or the state, and holds it
/// only for that (no inference, no I/O, no waiting under it). Members ending in <c>Locked</c> expect the caller to
/// hold it. The work of a turn runs in <see cref="TurnRunner"/>; what the microphone hears is decided by
/// <see cref="AudioFrontEnd"/>; barge-in by <see cref="BargeInPolicy"/>.
/// </summary>
internal sealed partial class SessionController : IDisposable
{
    public SessionController(PipelineEngines engines, PipelineOptions options, TimeProvider time, ILogger logger, PipelineEventBroadcaster events)
    {
        Engines = engines;
        Options = options;
        Time = time;
        Logger = logger;
        Events = events;
        Machine = new PipelineStateMachine(events);
        SampleRate = engines.Capture.SampleRate;
        Metrics = new TurnMetricsRecorder(time, SampleRate);
        Watchdog = new TurnWatchdog(this, options.WatchdogTimeout, time);
        Heartbeat = new PipelineHeartbeat(time, this);
        if (engines.Realtime?.ServerTurnEndTimeout is not null)
        {
            RealtimeFeed = new RealtimeAudioFeed(SampleRate * RealtimeFeedSeconds);
        }
    }

    /// <summary>How much captured audio the ring to a realtime server holds while its sender catches up.</summary>
    public const int RealtimeFeedSeconds = 4;

    /// <summary>The ring to a realtime server that ends turns (<see cref="IRealtimeSpeech.ServerTurnEndTimeout"/>); null otherwise.</summary>
    public RealtimeAudioFeed? RealtimeFeed { get; }

    /// <summary>The pipeline's lock.</summary>
    public object Gate { get; } = new();

    public PipelineEngines Engines { get; }

    public PipelineOptions Options { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public PipelineEventBroadcaster Events { get; }

    public PipelineStateMachine Machine { get; }

    public int SampleRate { get; }

    public TurnMetricsRecorder Metrics { get; }

    public TurnWatchdog Watchdog { get; }

    public PipelineHeartbeat Heartbeat { get; }

    public AudioFrontEnd FrontEnd { get; private set; } = null!;

    public TurnRunner Runner { get; private set; } = null!;

    public BargeInPolicy BargeIn { get; private set; } = null!;

    /// <summary>The session in progress, or null when none is (read under <see cref="Gate"/>).</summary>
    public PipelineSession? Session { get; private set; }

    /// <summary>The session's current turn.</summary>
    public PipelineTurn? Turn { get; private set; }

    public bool Disposed { get; private set; }

    /// <summary>The microphone source ended (a file): a listening turn ends at once.</summary>
    public bool SourceEnded { get; private set; }

    /// <summary>The microphone is gone (device lost): the pipeline stays in Error until it is back.</summary>
    public bool MicrophoneLost { get; private set; }

    /// <summary>Joins the parts (they need each other; built once by <see cref="VoicePipeline"/>).</summary>
    public void Attach(AudioFrontEnd frontEnd, TurnRunner runner, BargeInPolicy bargeIn)
    {
        FrontEnd = frontEnd;
        Runner = runner;
        BargeIn = bargeIn;
    }

    /// <summary>
    /// A trigger: from Idle it starts a session that listens. While listening a second tap ends the utterance; while
    /// thinking or speaking it is a barge-in (unless barge-in is disabled). Elsewhere it is ignored.
    /// </summary>
    public void Trigger(SessionTrigger trigger)
    {
        lock (Gate)
        {
            if (Disposed)
            {
                return;
            }

            var hold = trigger == SessionTrigger.PushToTalkHold;
            switch (Machine.State)
            {
                case PipelineState.Idle:
                    var session = StartSessionLocked(trigger);
                    StartListeningTurnLocked(session, hold, bargeIn: false, followUp: false);
                    break;
                case PipelineState.Listening when !hold && Turn is { } listening:
                    // A second tap or listen command ends the utterance now.
                    EndListeningLocked(listening, UtteranceEnd.Released);
                    break;
                case PipelineState.Speaking when Turn is { } speaking && Options.BargeIn.Mode != BargeInMode.Disabled:
                    BargeIn.BargeInLocked(speaking, hold, fromSpeech: false);
                    break;
                case PipelineState.Thinking when Turn is { } thinking && Options.BargeIn.Mode != BargeInMode.Disabled:
                    // The user gives up waiting for a slow answer (MQTT, a cloud model): cancel it and listen again.
                    BargeIn.BargeInLocked(thinking, hold, fromSpeech: false);
                    break;
                default:
                    // Transcribing (short), Muted, Error, or barge-in disabled: the trigger is ignored.
                    PipelineLog.TriggerIgnored(Logger, trigger, Machine.State);
                    break;
            }
        }
    }

    /// <summary>
    /// The front end heard a wake word. <see cref="WakeWordAction.Event"/> only publishes a <c>wake</c> event, with an
    /// id of its own in <c>session_id</c> (it belongs to no session, even while one runs). Listen:
    /// from Idle it starts a session that listens from just after the word (see
    /// <see cref="WakeWordOptions.WordTail"/>: a user who runs straight on is heard); while speaking with echo cancellation it is a barge-in; elsewhere it is
    /// ignored (the front end does not even score while listening, thinking, or speaking without echo cancellation).
    /// </summary>
    public void WakeWordDetectedLocked(Models.WakeWord.WakeWordDetection detection, WakeWordEntry word)
    {
        if (Disposed)
        {
            return;
        }

        PipelineLog.WakeWordHeard(Logger, detection.Word, detection.Score, Machine.State);
        if (word.Action == WakeWordAction.Event)
        {
            // No session is started or joined: the event carries an id of its own (never a session's, never empty),
            // so MQTT consumers can tell two hearings apart and no session_started/session_ended ever has this id.
            Events.Publish(new WakeWordEvent(detection.Word, detection.Score, WakeWordAction.Event, word.Event, BargeIn: false) { SessionId = NewId() });
            return;
        }

        switch (Machine.State)
        {
            case PipelineState.Idle:
                var session = StartSessionLocked(SessionTrigger.WakeWord);
                Events.Publish(new WakeWordEvent(detection.Word, detection.Score, WakeWordAction.Listen, null, BargeIn: false) { SessionId = session.Id });
                StartListeningTurnLocked(session, hold: false, bargeIn: false, followUp: false);
                FrontEnd.StartAfterWakeWordLocked(Options.WakeWord.WordTail);
                break;
            case PipelineState.Speaking when Turn is { } speaking && BargeIn.ListensWhileSpeaking:
                Events.Publish(new WakeWordEvent(detection.Word, detection.Score, WakeWordAction.Listen, null, BargeIn: true) { SessionId = speaking.Session.Id });
                BargeIn.BargeInLocked(speaking, hold: false, fromSpeech: false);
                if (Machine.State == PipelineState.Listening)
                {
                    FrontEnd.StartAfterWakeWordLocked(Options.WakeWord.WordTail);
                }

                break;
            default:
                PipelineLog.TriggerIgnored(Logger, SessionTrigger.WakeWord, Machine.State);
                break;
        }
    }

    /// <summary>Push-to-talk released: the listening turn ends here and what was said is transcribed.</summary>
    public void ReleaseToTalk()
    {
        lock (Gate)
        {
            if (Machine.State == PipelineState.Listening && Turn is { } turn)
            {
                EndListeningLocked(turn, UtteranceEnd.Released);
            }
        }
    }

    /// <summary>Starts a session of one turn that speaks without listening (say, play); null unless idle.</summary>
    public PipelineTurn? StartSpeakingSession(SessionTrigger trigger)
    {
        lock (Gate)
        {
            if (Machine.State != PipelineState.Idle || Disposed)
            {
                return null;
            }

            var session = StartSessionLocked(trigger);
            var turn = StartTurnLocked(session, hold: false, bargeIn: false);
            Machine.TransitionTo(PipelineState.Thinking);
            Watchdog.ArmLocked();
            Metrics.StartedWithoutListening(turn);
            return turn;
        }
    }

    public void Mute()
    {
        lock (Gate)
        {
            if (Machine.State == PipelineState.Muted)
            {
                return;
            }

            if (Session is not null)
            {
                EndSessionLocked(SessionEndReason.AbortedByUser, "muted", PipelineState.Muted);
            }
            else
            {
                Machine.TransitionTo(PipelineState.Muted);
                Watchdog.DisarmLocked();
            }
        }
    }

    public void Unmute()
    {
        lock (Gate)
        {
            if (Machine.State == PipelineState.Muted)
            {
                FrontEnd.ClearPreRollLocked();
                Machine.TransitionTo(MicrophoneLost ? PipelineState.Error : PipelineState.Idle);
            }
        }
    }

    public void ToggleMute()
    {
        lock (Gate)
        {
            if (Machine.State == PipelineState.Muted)
            {
                Unmute();
            }
            else
            {
                Mute();
            }
        }
    }

    /// <summary>Ends the session in progress (aborted_by_user, <paramref name="detail"/>), when it is <paramref name="only"/> (or any, when null).</summary>
    public void Stop(string detail, PipelineSession? only = null)
    {
        lock (Gate)
        {
            if (Session is not null && (only is null || ReferenceEquals(Session, only)))
            {
                EndSessionLocked(SessionEndReason.AbortedByUser, detail, PipelineState.Idle);
            }
        }
    }

    public void MuteAfterReply()
    {
        lock (Gate)
        {
            if (Session is { } session)
            {
                session.MuteAfter = true;
            }
            else if (Machine.State == PipelineState.Idle)
            {
                Machine.TransitionTo(PipelineState.Muted);
            }
        }
    }

    /// <summary>The source ended: a listening turn ends now. Returns the session to wait for, if any.</summary>
    public Task<SessionEndReason>? MarkSourceEnded()
    {
        lock (Gate)
        {
            SourceEnded = true;
            if (Machine.State == PipelineState.Listening && Turn is { } turn)
            {
                EndListeningLocked(turn, UtteranceEnd.SourceEnded);
            }

            return Session?.Done.Task;
        }
    }

    public Task<SessionEndReason>? CurrentSessionDone()
    {
        lock (Gate)
        {
            return Session?.Done.Task;
        }
    }

    public void Dispose()
    {
        lock (Gate)
        {
            if (Disposed)
            {
                return;
            }

            Disposed = true;
            if (Session is not null)
            {
                EndSessionLocked(SessionEndReason.AbortedByUser, "pipeline stopped", PipelineState.Idle);
            }

            Watchdog.Dispose();
        }
    }

    /// <summary>True while <paramref name="turn"/> is the current turn and was not cancelled.</summary>
    public bool IsCurrent(PipelineTurn turn) => ReferenceEquals(Turn, turn) && !turn.ReplyCts.IsCancellationRequested;

    /// <summary>
    /// Cancels a turn's work. Called under the lock, so the callbacks run on the thread pool (CancelAsync), never
    /// inline here; IsCancellationRequested is true at once, which is what <see cref="IsCurrent"/> checks.
    /// </summary>
    public static void CancelReply(PipelineTurn turn)
    {
        if (!turn.ReplyCts.IsCancellationRequested)
        {
            _ = turn.ReplyCts.CancelAsync();
        }
    }

    /// <summary>A session id, or an event-only wake word's own id: 12 lowercase hex digits.</summary>
    private static string NewId() => Guid.NewGuid().ToString("N")[..12];

    private PipelineSession StartSessionLocked(SessionTrigger trigger)
    {
        var session = new PipelineSession(NewId(), trigger, Time.GetTimestamp());
        Session = session;

        // An engine unloaded while idle starts loading now, behind the user's speech (it returns at once).
        (Engines.Stt as Models.IEngineWarmUp)?.WarmUp();
        (Engines.Tts as Models.IEngineWarmUp)?.WarmUp();
        Events.Publish(new SessionStartedEvent(trigger) { SessionId = session.Id });
        PipelineLog.SessionStarted(Logger, session.Id, trigger);
        return session;
    }

    private PipelineTurn StartTurnLocked(PipelineSession session, bool hold, bool bargeIn)
    {
        var turn = new PipelineTurn(session, session.TurnCount++, hold, Engines.Capture.DroppedSamples);
        Turn = turn;
        Events.Publish(new TurnStartedEvent(turn.Index, bargeIn) { SessionId = session.Id });
        return turn;
    }
}
