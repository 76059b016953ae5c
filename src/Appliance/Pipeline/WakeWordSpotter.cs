using VoiceAppliance.Models.WakeWord;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// The front end's wake word listener: feeds the windows heard while idle (or while speaking with echo
/// cancellation) to the <see cref="WakeWordDetector"/> and returns the best detection. Any window it does not see (the
/// pipeline listened, thought or spoke without echo cancellation) makes the next one start afresh, so a session never
/// re-triggers on its own wake word. With <see cref="WakeWordOptions.VadGate"/> the chain runs only while Silero hears
/// speech and for a second after, catching up over the last <see cref="WakeWordOptions.GateCatchUp"/> of the pre-roll
/// ring when speech starts. With <see cref="WakeWordOptions.ResetFromRoom"/> every fresh start rebuilds the chain's
/// windows from the room's own sound (<see cref="WakeWordDetector.Reset(ReadOnlySpan{float})"/>): the spotter keeps the
/// last seconds of the idle windows it was given (with the gate: those it left unscored), forgets the newest
/// <see cref="RoomGuardSamples"/> at each gap (they may hold the wake word that started the session, or the user
/// starting to speak) and the catch-up's audio at each gate opening, and replays the newest that is left. Runs on the
/// pipeline-audio thread, outside the pipeline's lock; allocates nothing per window.
/// </summary>
internal sealed class WakeWordSpotter
{
    private readonly WakeWordDetector _detector;
    private readonly AudioRing _ring;
    private readonly float _gateThreshold;
    private readonly long _hangover;
    private readonly float[]? _catchUp;
    private readonly AudioRing? _room;
    private readonly float[]? _roomScratch;
    private bool _resetPending = true;
    private bool _gateOpen;
    private long _sinceSpeech;

    public WakeWordSpotter(WakeWordDetector detector, WakeWordOptions options, float gateThreshold, int sampleRate, AudioRing ring)
    {
        _detector = detector;
        Options = options;
        _ring = ring;
        _gateThreshold = gateThreshold;
        _hangover = sampleRate;
        _catchUp = options.VadGate ? new float[(int)(options.GateCatchUp.TotalSeconds * sampleRate)] : null;
        if (options.ResetFromRoom)
        {
            // The room replayed, and before it what is left out: the guard before a gap, or the gate's catch-up.
            _room = new AudioRing(detector.RoomSamples + Math.Max(RoomGuardSamples, _catchUp?.Length ?? 0));
            _roomScratch = new float[detector.RoomSamples];
        }
    }

    /// <summary>
    /// The idle audio just before a gap that is forgotten at the reset after it, never to be replayed (2.16 s, as much
    /// as the classifiers' window and the mel windows it is made from span): it may hold the wake word that started the
    /// session.
    /// </summary>
    public int RoomGuardSamples => _detector.RoomSamples;

    public WakeWordOptions Options { get; }

    /// <summary>True when Silero gates the chain (the front end then runs the VAD on idle windows).</summary>
    public bool Gated => _catchUp is not null;

    /// <summary>Stream position (<see cref="AudioRing.Total"/>) of the end of the frame that made the last detection.</summary>
    public long DetectionPosition { get; private set; }

    /// <summary>The detector (its word order is <see cref="WakeWordOptions.Words"/>' order).</summary>
    public WakeWordDetector Detector => _detector;

    /// <summary>A window the spotter did not see: the next one starts afresh.</summary>
    public void MarkGap() => _resetPending = true;

    /// <summary>
    /// Takes one window (already written to the pre-roll ring). <paramref name="speechProbability"/> is Silero's
    /// probability for it when <see cref="Gated"/> (null: score regardless). <paramref name="idle"/>: the pipeline is
    /// idle (the window is the room; false while the device speaks with echo cancellation). Returns the best
    /// detection, if any.
    /// </summary>
    public WakeWordDetection? Process(ReadOnlySpan<float> window, float? speechProbability, bool idle = true)
    {
        if (_resetPending)
        {
            _resetPending = false;
            _gateOpen = false;
            ResetDetector(RoomGuardSamples);
        }

        if (_catchUp is not null && speechProbability is { } p)
        {
            _sinceSpeech = p >= _gateThreshold ? 0 : _sinceSpeech + window.Length;
            if (!_gateOpen)
            {
                if (p < _gateThreshold)
                {
                    if (idle)
                    {
                        _room?.Write(window); // the room: idle audio the gate left unscored
                    }

                    return null;
                }

                // Speech starts: score the last seconds (the window included) from a fresh chain, rebuilt from the room
                // heard before them.
                _gateOpen = true;
                var n = _ring.CopyLast(_catchUp.Length, _catchUp);
                ResetDetector(n - window.Length);
                return Feed(_catchUp.AsSpan(0, n));
            }

            if (_sinceSpeech > _hangover)
            {
                _gateOpen = false;
                return null;
            }
        }

        if (idle && _catchUp is null)
        {
            _room?.Write(window);
        }

        return Feed(window);
    }

    /// <summary>
    /// Resets the detector: with <see cref="WakeWordOptions.ResetFromRoom"/> the room's newest <paramref name="forget"/>
    /// samples are forgotten and the detector replays the newest 2.16 s left (with less, as just after start, it scores
    /// nothing until 2.16 s have been heard); otherwise openWakeWord's synthetic reset.
    /// </summary>
    private void ResetDetector(int forget)
    {
        if (_room is null)
        {
            _detector.Reset();
            return;
        }

        _room.DropLast(Math.Max(0, forget));
        var n = _room.CopyLast(_roomScratch!.Length, _roomScratch);
        _detector.Reset(_roomScratch.AsSpan(0, n));
    }

    private WakeWordDetection? Feed(ReadOnlySpan<float> audio)
    {
        WakeWordDetection? best = null;
        while (_detector.Process(ref audio))
        {
            foreach (var d in _detector.Detections)
            {
                if (best is null || d.Score > best.Value.Score)
                {
                    best = d;
                }
            }

            if (best is not null)
            {
                // The fed audio ends at the ring's end (live windows and the catch-up alike); the frame just scored ends
                // audio.Length before it, and a fine-hop detection 40 ms before the frame's end.
                var beforeFrameEnd = (_detector.Frames * WakeWordFeatureModels.FrameSamples) - best.Value.EndSample;
                DetectionPosition = _ring.Total - audio.Length - beforeFrameEnd;
                break;
            }
        }

        return best;
    }
}
