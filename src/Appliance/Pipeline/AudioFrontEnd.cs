using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;
using VoiceAppliance.Models.WakeWord;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// The audio front end: microphone frames -> pre-roll ring -> VAD -> endpointing decisions, on its own thread
/// ("pipeline-audio"), one VAD window at a time. It owns the pre-roll ring, the utterance buffer, the
/// <see cref="Endpointer"/> and the VAD's state (only this thread touches the VAD; a new utterance asks for a reset,
/// done here before the next window). Per window it takes the controller's lock twice, briefly: to see what the
/// window is for (gated, pre-roll only, listening, barge-in) and to apply the decision; Silero inference runs
/// between, outside the lock. Buffers are allocated once; nothing is allocated per window. Each pass of the loop
/// beats the <see cref="PipelineHeartbeat"/>. A turn streamed to a realtime server that ends turns
/// (<see cref="PipelineTurn.RealtimeStream"/>) gets the utterance's audio copied into its ring as it is kept, and the
/// device's silence window only starts that turn's safety net (the provider's turn-end timeout).
/// </summary>
internal sealed partial class AudioFrontEnd
{
    private static readonly TimeSpan s_maxCaptureRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>How far before a wake word's detection its gap to the command is looked for (it may fire late, into the command).</summary>
    private static readonly TimeSpan WakeGapSearchBefore = TimeSpan.FromSeconds(0.3);

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
    private readonly TimeSpan _holdForGuess;
    private readonly long _serverTurnEnd;
    private readonly WakeWordSpotter? _wake;
    private int _utteranceLength;
    private int _pauseMiddle = -1;
    private long _utteranceFloor;
    private long _wordTailLimit;
    private bool _inWordTail;
    private bool _afterWakeWord;
    private readonly float[] _tail = [];
    private long _wakeFailures;
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

        // A pause's guess may lengthen the pause up to the longer of the two extensions: a window that runs out before
        // the guess is judged waits for it that long at most (none when neither extends past the window).
        var longest = early.UnfinishedSilence > early.ContinuableSilence ? early.UnfinishedSilence : early.ContinuableSilence;
        _holdForGuess = early.Enabled && longest > e.SilenceToEnd ? longest : TimeSpan.Zero;
        _serverTurnEnd = controller.Engines.Realtime?.ServerTurnEndTimeout is { } serverEnd ? Samples(serverEnd) : 0;
        var longestRun = Math.Max(Samples(e.MinSpeech), (int)bargeIn.ConfirmSamples);
        _frame = GC.AllocateArray<float>(window, pinned: true);
        _frameMemory = _frame;
        var ring = _prefixSamples + longestRun + (2 * window);
        var wake = controller.Options.WakeWord;
        if (controller.Engines.WakeWord is not null && wake.Enabled)
        {
            // The ring also holds the word's tail and the command's start until speech is confirmed, and with the Silero
            // gate what the chain catches up over when speech starts.
            ring += Samples(wake.WordTail + WakeGapSearchBefore);
            ring = wake.VadGate ? Math.Max(ring, Samples(wake.GateCatchUp) + (2 * window)) : ring;
        }

        _ring = new AudioRing(ring);
        if (controller.Engines.WakeWord is { } detector && wake.Enabled)
        {
            _wake = new WakeWordSpotter(detector, wake, e.SpeechThreshold, controller.SampleRate, _ring);
            _tail = new float[Samples(wake.WordTail + WakeGapSearchBefore) + (2 * window)];
        }
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
            if (use is FrameUse.Gated or FrameUse.Listening)
            {
                _wake?.MarkGap(); // the wake word chain does not hear this window: it starts afresh after it
            }

            if (use == FrameUse.Gated)
            {
                return;
            }

            _ring.Write(frame);
            if (use == FrameUse.PreRollOnly && _wake is null)
            {
                return;
            }

            epoch = _epoch;
            resetVad = use != FrameUse.PreRollOnly && _vadResetPending;
            _vadResetPending &= !resetVad;
        }

        if (use == FrameUse.PreRollOnly)
        {
            OnIdleFrame(frame);
            return;
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
                turn.RealtimeStream?.Write(frame); // a server that ends turns hears the user over the answer (echo-cancelled)
                _bargeIn.OnSpeakingFrameLocked(turn, probability, frame.Length);
            }
            else if (use == FrameUse.Listening && state == PipelineState.Listening && !InWordTailLocked(probability))
            {
                EndpointLocked(turn, probability, frame);
            }
        }

        if (use == FrameUse.BargeIn && _wake is not null)
        {
            // With echo cancellation the device hears the user over its reply: a wake word there is a barge-in.
            ListenForWakeWord(frame, null, idle: false);
        }
    }

    /// <summary>
    /// Every window heard while idle passes here (already in the pre-roll ring), outside the lock. Without wake words
    /// the idle path is that copy and nothing else. With them the window goes to the wake word chain (one
    /// melspectrogram + embedding + classifiers per 80 ms), gated by Silero when <see cref="WakeWordOptions.VadGate"/>.
    /// </summary>
    private void OnIdleFrame(float[] frame)
    {
        float? probability = null;
        if (_wake!.Gated)
        {
            try
            {
                probability = _vad.Process(frame);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                WakeFailed(ex);
                probability = 1f; // score regardless rather than go deaf
            }
        }

        ListenForWakeWord(frame, probability, idle: true);
    }

    private void ListenForWakeWord(float[] frame, float? probability, bool idle)
    {
        WakeWordDetection? hit;
        try
        {
            hit = _wake!.Process(frame, probability, idle);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            WakeFailed(ex);
            _wake!.MarkGap();
            return;
        }

        if (hit is { } detection)
        {
            lock (_c.Gate)
            {
                _c.WakeWordDetectedLocked(detection, _wake.Options.Words[detection.Index]);
            }
        }
    }

    private void WakeFailed(Exception ex)
    {
        // A broken model fails every frame: log the first failure and then one in a thousand, with the count.
        if (_wakeFailures++ % 1000 == 0)
        {
            PipelineLog.WakeWordFailed(_c.Logger, ex, _wakeFailures);
        }
    }

    /// <summary>
    /// A listening turn started by a wake word: windows after the detection that Silero still hears as speech are the
    /// rest of the word, for at most <paramref name="wordTail"/>; the utterance starts at the first window after them
    /// (the run-on after the word is kept, the word is not).
    /// </summary>
    public void StartAfterWakeWordLocked(TimeSpan wordTail)
    {
        _utteranceFloor = _wake!.DetectionPosition;
        _wordTailLimit = _wake.DetectionPosition + Samples(wordTail);
        _inWordTail = true;
        _afterWakeWord = true;
    }

    /// <summary>A new utterance: endpointer and buffer reset, the VAD reset before the next window.</summary>
    public void BeginUtteranceLocked(bool endOnSilence, TimeSpan noSpeechTimeout)
    {
        _epoch++;
        _vadResetPending = true;
        _utteranceLength = 0;
        _pauseMiddle = -1;
        _utteranceFloor = 0;
        _inWordTail = false;
        _afterWakeWord = false;
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

    /// <summary>
    /// The pause's guess was judged and gave no more time: a pause held for it returns to the window. True when the
    /// pause has already lasted that long (the caller ends the utterance).
    /// </summary>
    public bool ReleasePauseLocked() => _endpointer.ReleasePause();

    /// <summary>Forgets the pre-roll (after mute or a microphone outage: it is stale).</summary>
    public void ClearPreRollLocked() => _ring.Clear();

    /// <summary>True while the window is still the wake word's tail (speech right after its detection): the endpointer does not see it.</summary>
    private bool InWordTailLocked(float probability)
    {
        if (!_inWordTail)
        {
            return false;
        }

        if (probability >= _c.Options.Endpointing.SilenceThreshold && _ring.Total <= _wordTailLimit)
        {
            return true;
        }

        // Silero heard a pause, or the tail is as long as it may be: the command starts in the middle of the quietest
        // 80 ms from a little before the detection (it may fire a frame late, into the command) to now: the gap
        // between the word and the command, which Silero smooths over when it is short.
        _inWordTail = false;
        var n = _ring.CopyLast((int)Math.Min(_tail.Length, _ring.Total - _wake!.DetectionPosition + Samples(WakeGapSearchBefore)), _tail);
        const int Block = 160, Run = 5 * Block;
        var middle = n;
        var least = double.MaxValue;
        for (var b = 0; b + Run <= n; b += Block)
        {
            var energy = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(_tail.AsSpan(b, Run));
            if (energy < least)
            {
                least = energy;
                middle = b + (Run / 2);
            }
        }

        _utteranceFloor = Math.Max(_ring.Total - n + middle, 0);
        return false;
    }

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
                // The confirming run and the prefix padding before it come from the pre-roll ring; after a wake word,
                // everything from the word's end on (and nothing before).
                var take = (int)Math.Min(_afterWakeWord ? _ring.Count : Math.Min(_endpointer.SpeechRunSamples + _prefixSamples, _ring.Count), Math.Max(0, _ring.Total - _utteranceFloor));
                _utteranceLength = _ring.CopyLast(take, _utterance);
                turn.RealtimeStream?.Write(_utterance.AsSpan(0, _utteranceLength));
                _c.Watchdog.ArmLocked();
                break;
            case EndpointDecision.Continue when _endpointer.InSpeech:
                AppendUtterance(frame, turn);
                var silence = _endpointer.SilenceRunSamples;
                if (silence > 0)
                {
                    // A VAD pause inside the speech: a word boundary for whisper's incremental windows.
                    _pauseMiddle = _utteranceLength - (int)Math.Min(silence / 2, _utteranceLength);
                }

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

                    if (silence == 0)
                    {
                        // Speech goes on: whisper may commit a window in the background (never in a pause, where the
                        // pause's guess or the endpoint decodes the tail).
                        _c.Runner.OnSpeechLocked(turn, _utterance, _utteranceLength, _pauseMiddle);
                    }
                }
                else if (silence - frame.Length < _speculatePause)
                {
                    // The pause has lasted EarlyEndpoint:Pause: transcribe the utterance so far in the background.
                    _c.Runner.SpeculateOnPauseLocked(turn, new ReadOnlyMemory<float>(_utterance, 0, _utteranceLength), (int)Math.Min(silence, _utteranceLength));
                }

                break;
            case EndpointDecision.EndOfSpeech when HoldForGuessLocked(turn):
                // The window ran out before the pause's guess was judged (a loaded machine): its verdict may be "wait
                // longer" (an unfinished command), so the pause waits for it, up to the longest extension.
                AppendUtterance(frame, turn);
                break;
            case EndpointDecision.EndOfSpeech when turn.RealtimeStream is not null && _endpointer.SilenceRunSamples < _serverTurnEnd:
                // The server ends the turn: the device's silence window only starts its safety net (the turn-end timeout).
                AppendUtterance(frame, turn);
                break;
            case EndpointDecision.EndOfSpeech:
                AppendUtterance(frame, turn);
                _c.EndListeningLocked(turn, UtteranceEnd.Silence);
                break;
            case EndpointDecision.MaxUtterance:
                AppendUtterance(frame, turn);
                _c.EndListeningLocked(turn, UtteranceEnd.MaxUtterance);
                break;
            case EndpointDecision.NoSpeech:
                _c.EndListeningLocked(turn, UtteranceEnd.NoSpeech);
                break;
            default:
                break;
        }
    }

    /// <summary>Holds the pause that just ran out for the guess still being judged; false when there is none to wait for, or the hold is spent.</summary>
    private bool HoldForGuessLocked(PipelineTurn turn)
    {
        if (_holdForGuess <= TimeSpan.Zero || _endpointer.PauseHeld || turn.Speculation is not { AwaitsJudgement: true, Judged: false })
        {
            return false;
        }

        _endpointer.HoldPause(_holdForGuess);
        PipelineLog.PauseHeldForGuess(_c.Logger, turn.Session.Id, _holdForGuess.TotalMilliseconds);
        return true;
    }

    private void AppendUtterance(float[] frame, PipelineTurn turn)
    {
        var n = Math.Min(_utterance.Length - _utteranceLength, frame.Length);
        frame.AsSpan(0, n).CopyTo(_utterance.AsSpan(_utteranceLength));
        _utteranceLength += n;
        turn.RealtimeStream?.Write(frame); // as captured, to a realtime server that ends turns
    }

    private int Samples(TimeSpan t) => (int)Math.Round(t.TotalSeconds * _c.SampleRate);
}
