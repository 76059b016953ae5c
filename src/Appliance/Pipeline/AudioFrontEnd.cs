using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// The audio front end: microphone frames -> pre-roll ring -> VAD -> endpointing decisions, on its own thread
/// ("pipeline-audio"), one VAD window at a time. It owns the pre-roll ring, the utterance buffer, the
/// <see cref="Endpointer"/> and the VAD's state (only this thread touches the VAD; a new utterance asks for a reset,
/// done here before the next window). Per window it takes the controller's lock twice, briefly: to see what the
/// window is for (gated, pre-roll only, listening, barge-in) and to apply the decision; Silero inference runs
/// between, outside the lock. Buffers are allocated once; nothing is allocated per window. Each pass of the loop
/// beats the <see cref="PipelineHeartbeat"/>.
/// </summary>
internal sealed partial class AudioFrontEnd
{
    private static readonly TimeSpan s_maxCaptureRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>How long a read waits for the microphone before the loop beats anyway (a quiet device is not a wedged loop).</summary>
    private static readonly TimeSpan s_beatInterval = TimeSpan.FromMilliseconds(500);

    private readonly SessionController _c;
    private readonly BargeInPolicy _bargeIn;
    private readonly IAudioCapture _capture;
    private readonly IVoiceActivityDetector _vad;
    private readonly Endpointer _endpointer;
    private readonly AudioRing _ring;
    private readonly float[] _frame;
    private readonly Memory<float> _frameMemory;
    private readonly float[] _utterance;
    private readonly int _prefixSamples;
    private readonly long _speculatePause;
    private int _utteranceLength;
    private long _epoch;
    private bool _vadResetPending;

    public AudioFrontEnd(SessionController controller, BargeInPolicy bargeIn)
    {
        _c = controller;
        _bargeIn = bargeIn;
        _capture = controller.Engines.Capture;
        _vad = controller.Engines.Vad;
        var window = controller.Engines.Vad.WindowSamples;
        var e = controller.Options.Endpointing;
        _endpointer = new Endpointer(e, controller.SampleRate);
        _prefixSamples = Samples(e.PrefixPadding);
        var early = controller.Options.EarlyEndpoint;
        _speculatePause = early.Enabled && early.Pause < e.SilenceToEnd ? Samples(early.Pause) : long.MaxValue;
        var longestRun = Math.Max(Samples(e.MinSpeech), (int)bargeIn.ConfirmSamples);
        _frame = GC.AllocateArray<float>(window, pinned: true);
        _frameMemory = _frame;
        _ring = new AudioRing(_prefixSamples + longestRun + (2 * window));
        _utterance = new float[Samples(e.MaxUtterance) + _prefixSamples + (2 * window)];
    }

    private enum FrameUse
    {
        Gated,
        PreRollOnly,
        Listening,
        BargeIn,
    }

    /// <summary>Handles one window: what the loop does for each frame it reads (tests and benchmarks call it directly).</summary>
    public void ProcessFrame(float[] frame)
    {
        FrameUse use;
        long epoch;
        bool resetVad;
        lock (_c.Gate)
        {
            use = ClassifyLocked();
            if (use == FrameUse.Gated)
            {
                return;
            }

            _ring.Write(frame);
            if (use == FrameUse.PreRollOnly)
            {
                OnIdleFrame(frame);
                return;
            }

            epoch = _epoch;
            resetVad = _vadResetPending;
            _vadResetPending = false;
        }

        // Outside the lock: Silero inference (triggers and the turn's work never wait for it).
        float probability;
        try
        {
            if (resetVad)
            {
                _vad.Reset();
            }

            probability = _vad.Process(frame);
        }
        catch (Exception ex)
        {
            PipelineLog.StageFailed(_c.Logger, ex, PipelineErrorSource.Vad);
            lock (_c.Gate)
            {
                if (epoch == _epoch && _c.Turn is not null)
                {
                    _c.FailLocked(PipelineErrorSource.Vad, ex, stayInError: false);
                }
            }

            return;
        }

        lock (_c.Gate)
        {
            // A trigger started a new utterance meanwhile: this window belonged to the old one.
            if (epoch != _epoch || _c.Turn is not { } turn)
            {
                return;
            }

            var state = _c.Machine.State;
            if (use == FrameUse.BargeIn && state == PipelineState.Speaking)
            {
                _bargeIn.OnSpeakingFrameLocked(turn, probability, frame.Length);
            }
            else if (use == FrameUse.Listening && state == PipelineState.Listening)
            {
                EndpointLocked(turn, probability, frame);
            }
        }
    }

    /// <summary>
    /// Seam for wake words: every window heard while idle passes here (already in the pre-roll ring). A wake-word
    /// detector runs on it and calls <see cref="SessionController.WakeWordDetected"/>. Nothing runs yet, so the idle
    /// path costs one copy into the ring.
    /// </summary>
    private static void OnIdleFrame(float[] frame) => _ = frame;

    /// <summary>A new utterance: endpointer and buffer reset, the VAD reset before the next window.</summary>
    public void BeginUtteranceLocked(bool endOnSilence, TimeSpan noSpeechTimeout)
    {
        _epoch++;
        _vadResetPending = true;
        _utteranceLength = 0;
        _endpointer.Reset(endOnSilence, noSpeechTimeout);
    }

    /// <summary>A barge-in by speech: the utterance starts with what was said over the reply, from the pre-roll.</summary>
    public void BeginUtteranceInSpeechLocked(long speechSoFar)
    {
        _endpointer.ResetInSpeech(speechSoFar);
        var take = (int)Math.Min(speechSoFar + _prefixSamples, _ring.Count);
        _utteranceLength = _ring.CopyLast(take, _utterance);
    }

    /// <summary>The utterance heard so far; <paramref name="speech"/> is its confirmed speech, or null when there was none.</summary>
    public ReadOnlyMemory<float> TakeUtteranceLocked(out TimeSpan? speech)
    {
        speech = _endpointer.InSpeech && _utteranceLength > 0 ? _endpointer.SpeechDuration : null;
        return new ReadOnlyMemory<float>(_utterance, 0, _utteranceLength);
    }

    /// <summary>Samples of silence since the last speech window (what the endpointer had counted).</summary>
    public long TrailingSilenceLocked => _endpointer.InSpeech ? _endpointer.SilenceRunSamples : 0;

    /// <summary>The user paused inside a command: the current pause may last up to <paramref name="silence"/>.</summary>
    public void ExtendPauseLocked(TimeSpan silence) => _endpointer.ExtendPause(silence);

    /// <summary>Forgets the pre-roll (after mute or a microphone outage: it is stale).</summary>
    public void ClearPreRollLocked() => _ring.Clear();

    private FrameUse ClassifyLocked()
    {
        var state = _c.Machine.State;
        if (state is PipelineState.Muted or PipelineState.Error or PipelineState.Transcribing or PipelineState.Thinking)
        {
            return FrameUse.Gated; // muted, failed, or the user's turn is over
        }

        if (state == PipelineState.Speaking)
        {
            // Without echo cancellation the device would hear itself.
            return _bargeIn.ListensWhileSpeaking && _c.Turn is not null ? FrameUse.BargeIn : FrameUse.Gated;
        }

        return state == PipelineState.Listening && _c.Turn is not null ? FrameUse.Listening : FrameUse.PreRollOnly;
    }

    private void EndpointLocked(PipelineTurn turn, float probability, float[] frame)
    {
        switch (_endpointer.Process(probability, frame.Length))
        {
            case EndpointDecision.SpeechStarted:
                // The confirming run and the prefix padding before it come from the pre-roll ring.
                var take = (int)Math.Min(_endpointer.SpeechRunSamples + _prefixSamples, _ring.Count);
                _utteranceLength = _ring.CopyLast(take, _utterance);
                _c.Watchdog.ArmLocked();
                break;
            case EndpointDecision.Continue when _endpointer.InSpeech:
                AppendUtterance(frame);
                var silence = _endpointer.SilenceRunSamples;
                if (silence < _speculatePause)
                {
                    if (turn.Speculation is { } stale)
                    {
                        // The user spoke again (the silence run restarted): the guess is dropped, unseen.
                        turn.Speculation = null;
                        stale.Cancel();
                        turn.Prefetch?.Cancel();
                        turn.Prefetch = null;
                    }
                }
                else if (silence - frame.Length < _speculatePause)
                {
                    // The pause has lasted EarlyEndpoint:Pause: transcribe the utterance so far in the background.
                    _c.Runner.SpeculateOnPauseLocked(turn, new ReadOnlyMemory<float>(_utterance, 0, _utteranceLength));
                }

                break;
            case EndpointDecision.EndOfSpeech:
                AppendUtterance(frame);
                _c.EndListeningLocked(turn, UtteranceEnd.Silence);
                break;
            case EndpointDecision.MaxUtterance:
                AppendUtterance(frame);
                _c.EndListeningLocked(turn, UtteranceEnd.MaxUtterance);
                break;
            case EndpointDecision.NoSpeech:
                _c.EndListeningLocked(turn, UtteranceEnd.NoSpeech);
                break;
            default:
                break;
        }
    }

    private void AppendUtterance(float[] frame)
    {
        var n = Math.Min(_utterance.Length - _utteranceLength, frame.Length);
        frame.AsSpan(0, n).CopyTo(_utterance.AsSpan(_utteranceLength));
        _utteranceLength += n;
    }

    private int Samples(TimeSpan t) => (int)Math.Round(t.TotalSeconds * _c.SampleRate);
}
