using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Pipeline;

/// <summary>The engines and devices a <see cref="VoicePipeline"/> joins.</summary>
/// <param name="Capture">The microphone (16 kHz mono).</param>
/// <param name="Playback">The speaker.</param>
/// <param name="Vad">Voice activity detection at the capture's rate.</param>
/// <param name="Stt">Speech to text.</param>
/// <param name="Tts">Text to speech.</param>
/// <param name="Workflow">What to do with transcripts.</param>
public sealed record PipelineEngines(IAudioCapture Capture, IAudioPlayback Playback, IVoiceActivityDetector Vad, ISpeechToText Stt, ITextToSpeech Tts, IVoiceWorkflow Workflow);

/// <summary>
/// The voice pipeline: microphone -> VAD -> endpointing -> STT -> workflow -> streamed TTS -> speaker, as
/// sessions of turns driven by one state machine (<see cref="PipelineStateMachine"/>). Run the audio loop
/// with <see cref="RunAsync"/>; send triggers (<see cref="Tap"/>, <see cref="PressToTalk"/>,
/// <see cref="ReleaseToTalk"/>, <see cref="Listen"/>, <see cref="Say"/>, <see cref="Mute"/>,
/// <see cref="Unmute"/>, <see cref="Stop"/>) from any thread; follow it through <see cref="Events"/>.
/// </summary>
/// <remarks>
/// The audio loop reads one VAD window at a time into a buffer allocated once and feeds the VAD, the
/// pre-roll ring and the utterance buffer (also allocated once); it allocates nothing per window. Each
/// window is handled under the pipeline's lock, so triggers and the audio path see one consistent state.
/// STT, the workflow and the reply run on a turn task outside the lock. Without echo cancellation the
/// microphone is ignored while the device thinks and speaks, so it never transcribes itself.
/// </remarks>
public sealed partial class VoicePipeline : IApplianceControl, IDisposable
{
    private static readonly TimeSpan s_maxCaptureRetryDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_unrecognizedSpeech = TimeSpan.FromSeconds(0.5);

    private readonly object _gate = new();
    private readonly PipelineEngines _engines;
    private readonly PipelineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PipelineStateMachine _machine;
    private readonly Endpointer _endpointer;
    private readonly AudioRing _ring;
    private readonly float[] _frame;
    private readonly float[] _utterance;
    private readonly int _sampleRate;
    private readonly int _prefixSamples;
    private readonly long _confirmBargeInSamples;
    private readonly long _resumeWindowSamples;
    private readonly ITimer _watchdog;
    private int _utteranceLength;
    private Session? _session;
    private Turn? _turn;
    private long _lastProgress;
    private bool _sourceEnded;
    private bool _disposed;

    // Barge-in detection while speaking (echo-cancelled input only).
    private long _bargeRun;
    private long _bargeSincePause;
    private bool _bargePaused;

    /// <summary>Creates the pipeline. Validates <paramref name="options"/> and the engines' sample rates.</summary>
    public VoicePipeline(PipelineEngines engines, PipelineOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _engines = engines;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        Events = new PipelineEventBroadcaster(_time);
        _machine = new PipelineStateMachine(Events);

        _sampleRate = engines.Capture.SampleRate;
        if (engines.Vad.SampleRate != _sampleRate)
        {
            throw new ArgumentException($"The VAD runs at {engines.Vad.SampleRate} Hz but the microphone delivers {_sampleRate} Hz; configure the capture to resample to {engines.Vad.SampleRate} Hz.", nameof(engines));
        }

        var window = engines.Vad.WindowSamples;
        if (window <= 0)
        {
            throw new ArgumentException($"The VAD reports a window of {window} samples; it must be positive.", nameof(engines));
        }

        var e = options.Endpointing;
        _endpointer = new Endpointer(e, _sampleRate);
        _prefixSamples = ToSamples(e.PrefixPadding);
        _confirmBargeInSamples = ToSamples(options.BargeIn.ConfirmSpeech);
        _resumeWindowSamples = ToSamples(options.BargeIn.ResumeWindow);
        var longestRun = Math.Max(ToSamples(e.MinSpeech), (int)_confirmBargeInSamples);
        _frame = GC.AllocateArray<float>(window, pinned: true);
        _ring = new AudioRing(_prefixSamples + longestRun + (2 * window));
        _utterance = new float[ToSamples(e.MaxUtterance) + _prefixSamples + (2 * window)];
        _watchdog = _time.CreateTimer(static s => ((VoicePipeline)s!).OnWatchdog(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The event stream: subscribe with <see cref="PipelineEventBroadcaster.Subscribe"/>.</summary>
    public PipelineEventBroadcaster Events { get; }

    /// <summary>The current state.</summary>
    public PipelineState State => _machine.State;

    /// <summary>The current session's id, or null when idle.</summary>
    public string? SessionId
    {
        get
        {
            lock (_gate)
            {
                return _session?.Id;
            }
        }
    }

    /// <inheritdoc />
    public int Volume
    {
        get => _engines.Playback.Volume;
        set => _engines.Playback.Volume = Math.Clamp(value, 0, 100);
    }

    /// <summary>
    /// Runs the audio loop until <paramref name="cancellationToken"/> is cancelled or the microphone source
    /// ends (a file); in the latter case it returns once the session in progress has ended. A failing
    /// microphone is an event: the pipeline goes to Error, waits (capped exponential backoff) and reads again.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var frame = _frame.AsMemory();
        var retryDelay = _options.CaptureRetryDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            bool more;
            try
            {
                more = await _engines.Capture.ReadAsync(frame, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogCaptureFailed(_logger, ex, retryDelay.TotalSeconds);
                lock (_gate)
                {
                    if (_machine.State is PipelineState.Idle or PipelineState.Listening)
                    {
                        FailLocked("capture", ex, stayInError: true);
                    }
                    else
                    {
                        // Transcribing, thinking or speaking do not need the microphone: report and retry.
                        Events.Publish(new PipelineErrorEvent("capture", ex.Message) { SessionId = _session?.Id });
                    }
                }

                await Task.Delay(retryDelay, _time, cancellationToken).ConfigureAwait(false);
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, s_maxCaptureRetryDelay.Ticks));
                lock (_gate)
                {
                    if (_machine.State == PipelineState.Error)
                    {
                        _machine.TransitionTo(PipelineState.Idle);
                    }
                }

                continue;
            }

            if (!more)
            {
                break;
            }

            retryDelay = _options.CaptureRetryDelay;
            lock (_gate)
            {
                try
                {
                    ProcessFrameLocked(_frame);
                }
                catch (Exception ex)
                {
                    // A bug must not stop the microphone: report it, end the session, carry on.
                    LogStageFailed(_logger, ex, "pipeline");
                    FailLocked("pipeline", ex, stayInError: false);
                }
            }
        }

        Task? pending;
        lock (_gate)
        {
            _sourceEnded = true;
            if (_machine.State == PipelineState.Listening && _turn is { } turn)
            {
                EndListeningLocked(turn, UtteranceEnd.SourceEnded);
            }

            pending = _session?.Done.Task;
        }

        // A file source ended: let the session in progress finish (its reply is still playing).
        while (pending is not null && !cancellationToken.IsCancellationRequested)
        {
            await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                pending = _session?.Done.Task;
            }
        }
    }

    /// <summary>Push-to-talk tapped: listen until the endpoint. While listening it ends the utterance; while speaking it follows the barge-in mode.</summary>
    public void Tap() => Trigger(SessionTrigger.PushToTalkTap);

    /// <summary>Push-to-talk pressed (hold mode): listen while held. While speaking it follows the barge-in mode.</summary>
    public void PressToTalk() => Trigger(SessionTrigger.PushToTalkHold);

    /// <summary>
    /// Push-to-talk released, or the button's "stop listening": the utterance ends here and what was said
    /// is transcribed (any listening turn, so hold-or-tap buttons can end a turn started by <see cref="Listen"/>).
    /// </summary>
    public void ReleaseToTalk()
    {
        lock (_gate)
        {
            if (_machine.State == PipelineState.Listening && _turn is { } turn)
            {
                EndListeningLocked(turn, UtteranceEnd.Released);
            }
        }
    }

    /// <summary>The "listen" command (MQTT, CLI): like a tap.</summary>
    public void Listen() => Trigger(SessionTrigger.ListenCommand);

    /// <summary>
    /// The "say" command: speaks <paramref name="text"/> as its own session without listening. Returns false
    /// (and does nothing) unless the pipeline is idle.
    /// </summary>
    public bool Say(string text) => SayCore(text, null) is not null;

    /// <summary>
    /// Speaks <paramref name="text"/> (with <paramref name="options"/>: speaker, speed, volume) as its own
    /// session. Completes with false at once when the pipeline is not idle; otherwise when the session
    /// ends, with true if it was spoken to the end (false if stopped, barged into or failed).
    /// </summary>
    public async Task<bool> SayAsync(string text, SynthesisOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var session = SayCore(text, options);
        if (session is null)
        {
            return false;
        }

        using var registration = cancellationToken.Register(() => StopSession(session));
        return await session.Done.Task.ConfigureAwait(false) == SessionEndReason.Nominal;
    }

    /// <summary>
    /// Plays a clip (an intercom message) as its own session, like <see cref="SayAsync"/>: false at once when
    /// not idle, else completes when played (true) or cut (false).
    /// </summary>
    public async Task<bool> PlayAsync(ReadOnlyMemory<float> samples, int sampleRate, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1000);
        Session session;
        Turn turn;
        lock (_gate)
        {
            if (_machine.State != PipelineState.Idle || samples.IsEmpty || _disposed)
            {
                return false;
            }

            session = StartSessionLocked(SessionTrigger.Play);
            turn = StartTurnLocked(session, hold: false, bargeIn: false);
            _machine.TransitionTo(PipelineState.Thinking);
            ArmWatchdogLocked();
            turn.EndOfSpeech = _time.GetTimestamp();
        }

        _ = Task.Run(() => RunClipAsync(turn, samples, sampleRate), CancellationToken.None);
        using var registration = cancellationToken.Register(() => StopSession(session));
        return await session.Done.Task.ConfigureAwait(false) == SessionEndReason.Nominal;
    }

    /// <summary>Mutes when unmuted, unmutes when muted (a button's long press).</summary>
    public void ToggleMute()
    {
        lock (_gate)
        {
            if (_machine.State == PipelineState.Muted)
            {
                Unmute();
            }
            else
            {
                Mute();
            }
        }
    }

    private Session? SayCore(string text, SynthesisOptions? options)
    {
        ArgumentNullException.ThrowIfNull(text);
        lock (_gate)
        {
            if (_machine.State != PipelineState.Idle || string.IsNullOrWhiteSpace(text) || _disposed)
            {
                return null;
            }

            var session = StartSessionLocked(SessionTrigger.Say);
            var turn = StartTurnLocked(session, hold: false, bargeIn: false);
            _machine.TransitionTo(PipelineState.Thinking);
            ArmWatchdogLocked();
            turn.EndOfSpeech = _time.GetTimestamp();
            _ = Task.Run(() => RunSayAsync(turn, text, options));
            return session;
        }
    }

    private async Task RunClipAsync(Turn turn, ReadOnlyMemory<float> samples, int sampleRate)
    {
        var token = turn.ReplyCts.Token;
        try
        {
            lock (_gate)
            {
                if (!IsCurrent(turn))
                {
                    return;
                }

                _machine.TransitionTo(PipelineState.Speaking);
                RecordProgressLocked();
            }

            await _engines.Playback.WriteAsync(samples, sampleRate, token).ConfigureAwait(false);
            lock (_gate)
            {
                turn.Metrics = turn.Metrics with { EndOfSpeechToFirstAudioMs = _time.GetElapsedTime(turn.EndOfSpeech).TotalMilliseconds };
                RecordProgressLocked();
            }

            await _engines.Playback.DrainAsync(token).ConfigureAwait(false);
            lock (_gate)
            {
                if (IsCurrent(turn))
                {
                    FinishReplyLocked(turn, new ReplyResult(string.Empty, TimeSpan.Zero, TimeSpan.Zero, 1), workflowTurn: null);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogStageFailed(_logger, ex, "playback");
            lock (_gate)
            {
                if (IsCurrent(turn))
                {
                    FailLocked("playback", ex, stayInError: false);
                }
            }
        }
    }

    /// <summary>Mutes the microphone: ends any session (aborted_by_user) and ignores triggers until <see cref="Unmute"/>.</summary>
    public void Mute()
    {
        lock (_gate)
        {
            if (_machine.State == PipelineState.Muted)
            {
                return;
            }

            if (_session is not null)
            {
                EndSessionLocked(SessionEndReason.AbortedByUser, "muted", PipelineState.Muted);
            }
            else
            {
                _machine.TransitionTo(PipelineState.Muted);
                DisarmWatchdogLocked();
            }
        }
    }

    /// <summary>Unmutes: back to Idle.</summary>
    public void Unmute()
    {
        lock (_gate)
        {
            if (_machine.State == PipelineState.Muted)
            {
                _ring.Clear();
                _machine.TransitionTo(PipelineState.Idle);
            }
        }
    }

    /// <summary>Stops whatever the pipeline is doing (aborted_by_user) and returns to Idle. Speaking stops at once.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_session is not null)
            {
                EndSessionLocked(SessionEndReason.AbortedByUser, "stopped", PipelineState.Idle);
            }
        }
    }

    /// <summary>Stops <paramref name="session"/> if it is still the current one (a caller gave up on it).</summary>
    private void StopSession(Session session)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_session, session))
            {
                EndSessionLocked(SessionEndReason.AbortedByUser, "cancelled by the caller", PipelineState.Idle);
            }
        }
    }

    /// <inheritdoc />
    public void MuteAfterReply()
    {
        lock (_gate)
        {
            if (_session is { } session)
            {
                session.MuteAfter = true;
            }
            else if (_machine.State == PipelineState.Idle)
            {
                _machine.TransitionTo(PipelineState.Muted);
            }
        }
    }

    /// <summary>Stops the watchdog and completes the event stream.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_session is not null)
            {
                EndSessionLocked(SessionEndReason.AbortedByUser, "pipeline stopped", PipelineState.Idle);
            }

            _watchdog.Dispose();
        }

        Events.Complete();
    }

    /// <summary>Handles one window as the audio loop does (benchmarks and allocation tests).</summary>
    internal void ProcessWindow(float[] window)
    {
        lock (_gate)
        {
            ProcessFrameLocked(window);
        }
    }

    private void Trigger(SessionTrigger trigger)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var hold = trigger == SessionTrigger.PushToTalkHold;
            switch (_machine.State)
            {
                case PipelineState.Idle:
                    var session = StartSessionLocked(trigger);
                    StartListeningTurnLocked(session, hold, bargeIn: false, followUp: false);
                    break;
                case PipelineState.Listening when !hold && _turn is { } listening:
                    // A second tap or listen command ends the utterance now.
                    EndListeningLocked(listening, UtteranceEnd.Released);
                    break;
                case PipelineState.Speaking when _turn is { } speaking && _options.BargeIn.Mode != BargeInMode.Disabled:
                    BargeInLocked(speaking, hold, fromSpeech: false);
                    break;
                case PipelineState.Thinking when _turn is { } thinking && _options.BargeIn.Mode != BargeInMode.Disabled:
                    // The user gives up waiting for a slow answer (MQTT, a cloud model): cancel it and listen again.
                    BargeInLocked(thinking, hold, fromSpeech: false);
                    break;
                default:
                    // Transcribing (short), Muted, Error, or barge-in disabled: the trigger is ignored.
                    LogTriggerIgnored(_logger, trigger, _machine.State);
                    break;
            }
        }
    }

    private void ProcessFrameLocked(float[] frame)
    {
        var state = _machine.State;
        if (state is PipelineState.Muted or PipelineState.Error)
        {
            return;
        }

        if (state is PipelineState.Transcribing or PipelineState.Thinking)
        {
            return; // gated: the user's turn is over
        }

        var speaking = state == PipelineState.Speaking;
        if (speaking && !(_options.BargeIn.EchoCancelled && _options.BargeIn.Mode != BargeInMode.Disabled))
        {
            return; // gated: without echo cancellation the device would hear itself
        }

        _ring.Write(frame);
        if (state == PipelineState.Idle || _turn is not { } turn)
        {
            return;
        }

        float probability;
        try
        {
            probability = _engines.Vad.Process(frame);
        }
        catch (Exception ex)
        {
            LogStageFailed(_logger, ex, "vad");
            FailLocked("vad", ex, stayInError: false);
            return;
        }

        if (speaking)
        {
            ProcessBargeInFrameLocked(turn, probability, frame.Length);
            return;
        }

        var decision = _endpointer.Process(probability, frame.Length);
        switch (decision)
        {
            case EndpointDecision.SpeechStarted:
                // The confirming run and the prefix padding before it come from the pre-roll ring.
                var take = (int)Math.Min(_endpointer.SpeechRunSamples + _prefixSamples, _ring.Count);
                _utteranceLength = _ring.CopyLast(take, _utterance);
                ArmWatchdogLocked();
                break;
            case EndpointDecision.Continue when _endpointer.InSpeech:
                AppendUtterance(frame);
                break;
            case EndpointDecision.EndOfSpeech:
                AppendUtterance(frame);
                EndListeningLocked(turn, UtteranceEnd.Silence);
                break;
            case EndpointDecision.MaxUtterance:
                AppendUtterance(frame);
                EndListeningLocked(turn, UtteranceEnd.MaxUtterance);
                break;
            case EndpointDecision.NoSpeech:
                EndListeningLocked(turn, UtteranceEnd.NoSpeech);
                break;
            default:
                break;
        }
    }

    private void AppendUtterance(float[] frame)
    {
        var room = _utterance.Length - _utteranceLength;
        var n = Math.Min(room, frame.Length);
        frame.AsSpan(0, n).CopyTo(_utterance.AsSpan(_utteranceLength));
        _utteranceLength += n;
    }

    private void ProcessBargeInFrameLocked(Turn turn, float probability, int windowSamples)
    {
        var bargeIn = _options.BargeIn;
        if (probability >= _options.Endpointing.SpeechThreshold)
        {
            _bargeRun += windowSamples;
        }
        else if (probability < _options.Endpointing.SilenceThreshold)
        {
            _bargeRun = 0;
        }

        if (_bargePaused)
        {
            _bargeSincePause += windowSamples;
        }

        if (_bargeRun >= _confirmBargeInSamples)
        {
            BargeInLocked(turn, hold: false, fromSpeech: true);
            return;
        }

        if (bargeIn.Mode != BargeInMode.SoftFade || turn.Streamer is not { } streamer)
        {
            return;
        }

        if (!_bargePaused && _bargeRun > 0)
        {
            _bargePaused = true;
            _bargeSincePause = 0;
            _ = PauseQuietlyAsync(streamer, bargeIn.FadeDuration, turn.ReplyCts.Token);
        }
        else if (_bargePaused && _bargeRun == 0 && _bargeSincePause >= _resumeWindowSamples)
        {
            _bargePaused = false;
            streamer.Resume();
            LogBargeInResumed(_logger, turn.Session.Id);
        }
    }

    private async Task PauseQuietlyAsync(ReplyStreamer streamer, TimeSpan fade, CancellationToken cancellationToken)
    {
        try
        {
            await streamer.PauseAsync(fade, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the reply was cancelled meanwhile
        }
        catch (Exception ex)
        {
            LogStageFailed(_logger, ex, "playback");
        }
    }

    private void BargeInLocked(Turn turn, bool hold, bool fromSpeech)
    {
        var session = turn.Session;
        var heard = turn.Streamer?.Heard ?? TimeSpan.Zero;
        var speechSoFar = _bargeRun;
        var wasSpeaking = _machine.State == PipelineState.Speaking;
        CancelReply(turn);
        if (!wasSpeaking)
        {
            // Still thinking: nothing plays yet.
        }
        else if (_options.BargeIn.Mode == BargeInMode.SoftFade && !_bargePaused && _options.BargeIn.FadeDuration > TimeSpan.Zero)
        {
            _ = FadeAndStopAsync(_options.BargeIn.FadeDuration);
        }
        else
        {
            _engines.Playback.StopImmediately();
        }

        LogBargeIn(_logger, session.Id, heard.TotalSeconds);
        turn.Metrics = turn.Metrics with { HeardBeforeBargeIn = heard };
        PublishTurnEndedLocked(turn, interrupted: true);
        StartListeningTurnLocked(session, hold, bargeIn: true, followUp: false);
        if (fromSpeech && _turn is not null)
        {
            // The user is already talking: seed the utterance with what was said over the reply.
            _endpointer.ResetInSpeech(speechSoFar);
            var take = (int)Math.Min(speechSoFar + _prefixSamples, _ring.Count);
            _utteranceLength = _ring.CopyLast(take, _utterance);
        }
    }

    private async Task FadeAndStopAsync(TimeSpan fade)
    {
        try
        {
            await _engines.Playback.FadeOutAsync(fade, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogStageFailed(_logger, ex, "playback");
            _engines.Playback.StopImmediately();
        }
    }

    private Session StartSessionLocked(SessionTrigger trigger)
    {
        var session = new Session(Guid.NewGuid().ToString("N")[..12], trigger, _time.GetTimestamp());
        _session = session;
        Events.Publish(new SessionStartedEvent(trigger) { SessionId = session.Id });
        LogSessionStarted(_logger, session.Id, trigger);
        return session;
    }

    private Turn StartTurnLocked(Session session, bool hold, bool bargeIn)
    {
        var turn = new Turn(session, session.TurnCount++, hold, _engines.Capture.DroppedSamples);
        _turn = turn;
        Events.Publish(new TurnStartedEvent(turn.Index, bargeIn) { SessionId = session.Id });
        return turn;
    }

    private void StartListeningTurnLocked(Session session, bool hold, bool bargeIn, bool followUp)
    {
        var turn = StartTurnLocked(session, hold, bargeIn);
        _utteranceLength = 0;
        _bargeRun = 0;
        _bargePaused = false;
        _endpointer.Reset(endOnSilence: !hold, noSpeechTimeout: followUp ? _options.FollowUpTimeout : _options.Endpointing.NoSpeechTimeout);
        try
        {
            _engines.Vad.Reset();
        }
        catch (Exception ex)
        {
            LogStageFailed(_logger, ex, "vad");
            FailLocked("vad", ex, stayInError: false);
            return;
        }

        _machine.TransitionTo(PipelineState.Listening);
        ArmWatchdogLocked();
        if (_sourceEnded)
        {
            EndListeningLocked(turn, UtteranceEnd.SourceEnded);
        }
    }

    private void EndListeningLocked(Turn turn, UtteranceEnd how)
    {
        var session = turn.Session;
        turn.EndOfSpeech = _time.GetTimestamp();
        var speech = _endpointer.InSpeech && _utteranceLength > 0;
        turn.Metrics = turn.Metrics with
        {
            UtteranceEnd = how,
            SpeechDuration = speech ? _endpointer.SpeechDuration : TimeSpan.Zero,
            UtteranceDuration = TimeSpan.FromSeconds((double)_utteranceLength / _sampleRate),
        };

        if (!speech)
        {
            turn.Metrics = turn.Metrics with { UtteranceEnd = how == UtteranceEnd.SourceEnded ? how : UtteranceEnd.NoSpeech };
            PublishTurnEndedLocked(turn, interrupted: false);
            EndSessionLocked(session.TurnCount > 1 ? SessionEndReason.Nominal : SessionEndReason.NoSpeech, null, PipelineState.Idle);
            return;
        }

        _machine.TransitionTo(PipelineState.Transcribing);
        ArmWatchdogLocked();
        var audio = new ReadOnlyMemory<float>(_utterance, 0, _utteranceLength);
        _ = Task.Run(() => RunTurnAsync(turn, audio));
    }

    private async Task RunTurnAsync(Turn turn, ReadOnlyMemory<float> audio)
    {
        var session = turn.Session;
        var token = turn.ReplyCts.Token;
        var stage = "stt";
        try
        {
            var transcript = await TranscribeAsync(turn, audio, token).ConfigureAwait(false);
            WorkflowTurn workflowTurn;
            lock (_gate)
            {
                if (!IsCurrent(turn))
                {
                    return;
                }

                var elapsed = _time.GetElapsedTime(turn.EndOfSpeech);
                turn.Transcript = transcript;
                turn.Metrics = turn.Metrics with
                {
                    EndOfSpeechToTranscriptMs = elapsed.TotalMilliseconds,
                    SttRealTimeFactor = turn.Metrics.UtteranceDuration > TimeSpan.Zero ? turn.SttTime / turn.Metrics.UtteranceDuration : null,
                };
                Events.Publish(new TranscriptEvent(turn.Index, transcript, IsFinal: true, _engines.Stt.Name) { SessionId = session.Id });
                // No words from confirmed speech is "not understood" (a grammar engine rejecting speech outside its
                // commands): the workflow answers with its fallback. Only a short blip counts as no speech.
                if (transcript.Length == 0 && turn.Metrics.SpeechDuration < s_unrecognizedSpeech)
                {
                    PublishTurnEndedLocked(turn, interrupted: false);
                    EndSessionLocked(SessionEndReason.NoSpeech, "the speech-to-text engine heard no words", PipelineState.Idle);
                    return;
                }

                _machine.TransitionTo(PipelineState.Thinking);
                ArmWatchdogLocked();
                workflowTurn = new WorkflowTurn(session.Id, turn.Index, transcript, audio, _sampleRate, this);
                turn.WorkflowTurn = workflowTurn;
                turn.Streamer = new ReplyStreamer(_engines.Tts, _engines.Playback, _time);
            }

            stage = "workflow";
            var pieces = _engines.Workflow.RespondAsync(workflowTurn, token);
            var result = await turn.Streamer.RunAsync(pieces, new Observer(this, turn), token).ConfigureAwait(false);
            lock (_gate)
            {
                if (!IsCurrent(turn))
                {
                    return;
                }

                FinishReplyLocked(turn, result, workflowTurn);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Barge-in, stop, mute or the watchdog took over; they already moved the state on.
        }
        catch (Exception ex)
        {
            var failedStage = ex is PipelineStageException s ? s.Stage : stage;
            var cause = ex is PipelineStageException { InnerException: { } inner } ? inner : ex;
            LogStageFailed(_logger, cause, failedStage);
            lock (_gate)
            {
                if (IsCurrent(turn))
                {
                    FailLocked(failedStage, cause, stayInError: false);
                }
            }
        }
    }

    private async Task RunSayAsync(Turn turn, string text, SynthesisOptions? options)
    {
        var token = turn.ReplyCts.Token;
        try
        {
            ReplyStreamer streamer;
            lock (_gate)
            {
                if (!IsCurrent(turn))
                {
                    return;
                }

                streamer = turn.Streamer = new ReplyStreamer(_engines.Tts, _engines.Playback, _time, options);
            }

            var result = await streamer.RunAsync(Once(text), new Observer(this, turn), token).ConfigureAwait(false);
            lock (_gate)
            {
                if (IsCurrent(turn))
                {
                    FinishReplyLocked(turn, result, workflowTurn: null);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            var failedStage = ex is PipelineStageException s ? s.Stage : "tts";
            var cause = ex is PipelineStageException { InnerException: { } inner } ? inner : ex;
            LogStageFailed(_logger, cause, failedStage);
            lock (_gate)
            {
                if (IsCurrent(turn))
                {
                    FailLocked(failedStage, cause, stayInError: false);
                }
            }
        }
    }

    private static async IAsyncEnumerable<string> Once(string text)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return text;
    }

    private async Task<string> TranscribeAsync(Turn turn, ReadOnlyMemory<float> audio, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var started = _time.GetTimestamp();
        await foreach (var segment in _engines.Stt.TranscribeAsync(audio, cancellationToken).ConfigureAwait(false))
        {
            var piece = segment.Text.Trim();
            if (piece.Length == 0)
            {
                continue;
            }

            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(piece);
            lock (_gate)
            {
                if (!IsCurrent(turn))
                {
                    break;
                }

                Events.Publish(new TranscriptEvent(turn.Index, text.ToString(), IsFinal: false, _engines.Stt.Name) { SessionId = turn.Session.Id });
                RecordProgressLocked();
            }
        }

        turn.SttTime = _time.GetElapsedTime(started);
        return text.ToString();
    }

    private void FinishReplyLocked(Turn turn, ReplyResult result, WorkflowTurn? workflowTurn)
    {
        turn.ReplyText = result.Text;
        turn.Metrics = turn.Metrics with
        {
            TtsRealTimeFactor = result.AudioDuration > TimeSpan.Zero ? result.SynthesisTime / result.AudioDuration : null,
        };
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

    private void PublishTurnEndedLocked(Turn turn, bool interrupted)
    {
        if (turn.Ended)
        {
            return;
        }

        turn.Ended = true;
        var dropped = Math.Max(0, _engines.Capture.DroppedSamples - turn.DroppedAtStart);
        turn.Metrics = turn.Metrics with { DroppedAudio = TimeSpan.FromSeconds((double)dropped / _sampleRate) };
        turn.Session.LastMetrics = turn.Metrics;
        Events.Publish(new TurnEndedEvent(turn.Index, turn.Transcript, turn.WorkflowTurn?.Intent, turn.ReplyText, interrupted, turn.Metrics) { SessionId = turn.Session.Id });
    }

    private void EndSessionLocked(SessionEndReason reason, string? detail, PipelineState next)
    {
        if (_session is not { } session)
        {
            return;
        }

        if (_turn is { } turn)
        {
            if (!turn.ReplyCts.IsCancellationRequested)
            {
                CancelReply(turn);
            }

            if (!turn.Ended && _machine.State == PipelineState.Speaking)
            {
                _engines.Playback.StopImmediately();
                turn.Metrics = turn.Metrics with { HeardBeforeBargeIn = turn.Streamer?.Heard };
            }

            PublishTurnEndedLocked(turn, interrupted: true);
        }

        _session = null;
        _turn = null;
        var duration = _time.GetElapsedTime(session.StartedAt);
        Events.Publish(new SessionEndedEvent(reason, session.TurnCount, duration, session.LastMetrics, detail) { SessionId = session.Id });
        LogSessionEnded(_logger, session.Id, reason, duration.TotalMilliseconds);
        if (next == PipelineState.Idle && session.MuteAfter && reason is SessionEndReason.Nominal or SessionEndReason.IntentNotRecognized)
        {
            next = PipelineState.Muted;
        }

        _machine.TransitionTo(next);
        DisarmWatchdogLocked();
        session.Done.TrySetResult(reason);
    }

    /// <summary>An engine or device failed: error event, Error state, the session ends with error, then Idle (or stay in Error for the capture retry).</summary>
    private void FailLocked(string stage, Exception ex, bool stayInError)
    {
        Events.Publish(new PipelineErrorEvent(stage, ex.Message) { SessionId = _session?.Id });
        if (_machine.State == PipelineState.Muted)
        {
            return;
        }

        _machine.TransitionTo(PipelineState.Error);
        if (_session is not null)
        {
            EndSessionLocked(SessionEndReason.Error, $"{stage}: {ex.Message}", stayInError ? PipelineState.Error : PipelineState.Idle);
        }
        else if (!stayInError)
        {
            _machine.TransitionTo(PipelineState.Idle);
        }

        DisarmWatchdogLocked();
    }

    /// <summary>
    /// Cancels a turn's work. Called under the lock, so the callbacks run on the thread pool (CancelAsync),
    /// never inline here; IsCancellationRequested is true at once, which is what IsCurrent checks.
    /// </summary>
    private static void CancelReply(Turn turn)
    {
        if (!turn.ReplyCts.IsCancellationRequested)
        {
            _ = turn.ReplyCts.CancelAsync();
        }
    }

    private bool IsCurrent(Turn turn) => ReferenceEquals(_turn, turn) && !turn.ReplyCts.IsCancellationRequested;

    private void ArmWatchdogLocked()
    {
        _lastProgress = _time.GetTimestamp();
        _watchdog.Change(_options.WatchdogTimeout, Timeout.InfiniteTimeSpan);
    }

    private void RecordProgressLocked() => ArmWatchdogLocked();

    private void DisarmWatchdogLocked() => _watchdog.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    private void OnWatchdog()
    {
        lock (_gate)
        {
            if (_session is null || _disposed)
            {
                return;
            }

            var quiet = _time.GetElapsedTime(_lastProgress);
            if (quiet < _options.WatchdogTimeout)
            {
                _watchdog.Change(_options.WatchdogTimeout - quiet, Timeout.InfiniteTimeSpan);
                return;
            }

            var state = _machine.State;
            var message = string.Create(CultureInfo.InvariantCulture, $"no progress while {state.ToWireName()} for {quiet.TotalSeconds:0.#} s; the turn was ended");
            LogWatchdog(_logger, state, quiet.TotalSeconds);
            Events.Publish(new PipelineErrorEvent("watchdog", message) { SessionId = _session.Id });
            EndSessionLocked(SessionEndReason.Timeout, message, PipelineState.Idle);
        }
    }

    private int ToSamples(TimeSpan t) => (int)Math.Round(t.TotalSeconds * _sampleRate);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Session {SessionId} started by {Trigger}")]
    private static partial void LogSessionStarted(ILogger logger, string sessionId, SessionTrigger trigger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Session {SessionId} ended: {Reason} after {DurationMs} ms")]
    private static partial void LogSessionEnded(ILogger logger, string sessionId, SessionEndReason reason, double durationMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "The {Stage} stage failed; the session ends with error and the pipeline returns to idle")]
    private static partial void LogStageFailed(ILogger logger, Exception exception, string stage);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "The microphone failed; reading again in {DelaySeconds} s")]
    private static partial void LogCaptureFailed(ILogger logger, Exception exception, double delaySeconds);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Watchdog: no progress while {State} for {Seconds} s; ending the session")]
    private static partial void LogWatchdog(ILogger logger, PipelineState state, double seconds);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Trigger {Trigger} ignored while {State}")]
    private static partial void LogTriggerIgnored(ILogger logger, SessionTrigger trigger, PipelineState state);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Barge-in in session {SessionId} after {HeardSeconds} s of the reply")]
    private static partial void LogBargeIn(ILogger logger, string sessionId, double heardSeconds);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Soft-fade: the speech stopped; the reply resumes in session {SessionId}")]
    private static partial void LogBargeInResumed(ILogger logger, string sessionId);

    private sealed class Session(string id, SessionTrigger trigger, long startedAt)
    {
        public string Id { get; } = id;

        public SessionTrigger Trigger { get; } = trigger;

        public long StartedAt { get; } = startedAt;

        public int TurnCount { get; set; }

        public bool MuteAfter { get; set; }

        public TurnMetrics? LastMetrics { get; set; }

        public TaskCompletionSource<SessionEndReason> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Turn(Session session, int index, bool hold, long droppedAtStart)
    {
        public Session Session { get; } = session;

        public int Index { get; } = index;

        public bool Hold { get; } = hold;

        public long DroppedAtStart { get; } = droppedAtStart;

        public CancellationTokenSource ReplyCts { get; } = new();

        public long EndOfSpeech { get; set; }

        public TimeSpan SttTime { get; set; }

        public string? Transcript { get; set; }

        public string ReplyText { get; set; } = string.Empty;

        public WorkflowTurn? WorkflowTurn { get; set; }

        public ReplyStreamer? Streamer { get; set; }

        public TurnMetrics Metrics { get; set; } = new();

        public bool Ended { get; set; }
    }

    private sealed class Observer(VoicePipeline owner, Turn turn) : IReplyObserver
    {
        public void OnFirstText()
        {
            lock (owner._gate)
            {
                turn.Metrics = turn.Metrics with { EndOfSpeechToFirstReplyTextMs = owner._time.GetElapsedTime(turn.EndOfSpeech).TotalMilliseconds };
                owner.RecordProgressLocked();
            }
        }

        public void OnFirstAudio()
        {
            lock (owner._gate)
            {
                if (owner.IsCurrent(turn) && owner._machine.State == PipelineState.Thinking)
                {
                    owner._machine.TransitionTo(PipelineState.Speaking);
                    owner._bargeRun = 0;
                    owner._bargePaused = false;
                    owner.RecordProgressLocked();
                }
            }
        }

        public void OnChunkPlayed(bool first)
        {
            lock (owner._gate)
            {
                if (first)
                {
                    turn.Metrics = turn.Metrics with { EndOfSpeechToFirstAudioMs = owner._time.GetElapsedTime(turn.EndOfSpeech).TotalMilliseconds };
                }

                if (owner.IsCurrent(turn))
                {
                    owner.RecordProgressLocked();
                }
            }
        }
    }
}
