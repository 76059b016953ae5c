using VoiceAppliance.Models.WakeWord;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// The front end's wake word listener: feeds the windows heard while idle (or while speaking with echo
/// cancellation) to the <see cref="WakeWordDetector"/> and returns the best detection. Any window it does not see (the
/// pipeline listened, thought or spoke without echo cancellation) makes the next one start afresh, so a session never
/// re-triggers on its own wake word. With <see cref="WakeWordOptions.VadGate"/> the chain runs only while Silero hears
/// speech and for a second after, catching up over the last <see cref="WakeWordOptions.GateCatchUp"/> of the pre-roll
/// ring when speech starts. Runs on the pipeline-audio thread, outside the pipeline's lock; allocates nothing per
/// window.
/// </summary>
internal sealed class WakeWordSpotter
{
    private readonly WakeWordDetector _detector;
    private readonly AudioRing _ring;
    private readonly float _gateThreshold;
    private readonly long _hangover;
    private readonly float[]? _catchUp;
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
    }

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
    /// probability for it when <see cref="Gated"/> (null: score regardless). Returns the best detection, if any.
    /// </summary>
    public WakeWordDetection? Process(ReadOnlySpan<float> window, float? speechProbability)
    {
        if (_resetPending)
        {
            _resetPending = false;
            _gateOpen = false;
            _detector.Reset();
        }

        if (_catchUp is not null && speechProbability is { } p)
        {
            _sinceSpeech = p >= _gateThreshold ? 0 : _sinceSpeech + window.Length;
            if (!_gateOpen)
            {
                if (p < _gateThreshold)
                {
                    return null;
                }

                // Speech starts: score the last seconds (the window included) from a fresh chain.
                _gateOpen = true;
                _detector.Reset();
                var n = _ring.CopyLast(_catchUp.Length, _catchUp);
                return Feed(_catchUp.AsSpan(0, n));
            }

            if (_sinceSpeech > _hangover)
            {
                _gateOpen = false;
                return null;
            }
        }

        return Feed(window);
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
