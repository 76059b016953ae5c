
namespace VoiceAppliance.Models.Vad;

/// <summary>
/// Turns per-window speech probabilities into speech start/end boundaries as they happen, with Silero's rules:
/// hysteresis between the threshold and the exit threshold, min speech, min silence, padding, and max speech split
/// at the longest silence. Allocates nothing; starts are reported once speech has lasted min speech, ends once the
/// silence has lasted min silence.
/// <para>
/// Test and bench support, not product code: it reproduces Silero's offline <c>get_speech_timestamps</c> to find the
/// speech in a whole recording (VAD accuracy tests, synthesis checks, the models bench). The appliance endpoints
/// live audio with <c>VoiceAppliance.Pipeline.Endpointer</c>, whose rules differ on purpose (a no-speech timeout,
/// push-to-talk hold, barge-in starting in speech, no padding or max-speech split), so the two are not merged.
/// Compiled into Models.Tests and the bench from tests/Shared/Vad.
/// </para>
/// </summary>
public sealed class SpeechSegmenter
{
    private readonly float _threshold;
    private readonly float _exit;
    private readonly long _window;
    private readonly long _minSpeech;
    private readonly long _minSilence;
    private readonly long _pad;
    private readonly long _maxSpeech;
    private readonly long _minSilenceAtMax;

    private long _position;
    private bool _triggered;
    private bool _confirmed;
    private long _start;
    private long _tempEnd = -1;
    private long _lastEnd;
    private long _bestSilenceStart = -1;
    private long _bestSilenceEnd;

    /// <summary>Creates a segmenter for windows of <paramref name="windowSamples"/> at <paramref name="sampleRate"/>.</summary>
    public SpeechSegmenter(int sampleRate, int windowSamples, SpeechSegmenterOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowSamples);
        options ??= SpeechSegmenterOptions.Default;
        options.Validate();
        Options = options;
        SampleRate = sampleRate;
        _threshold = options.Threshold;
        _exit = options.EffectiveExitThreshold;
        _window = windowSamples;
        _minSpeech = Samples(options.MinSpeech);
        _minSilence = Samples(options.MinSilence);
        _pad = Samples(options.SpeechPad);
        _minSilenceAtMax = Samples(TimeSpan.FromMilliseconds(98));
        _maxSpeech = options.MaxSpeech is { } max ? Math.Max(_window, Samples(max) - _window - (2 * _pad)) : long.MaxValue;
    }

    /// <summary>The options in force.</summary>
    public SpeechSegmenterOptions Options { get; }

    /// <summary>Sample rate of the positions.</summary>
    public int SampleRate { get; }

    /// <summary>True while in confirmed speech (a start was reported and no end yet).</summary>
    public bool InSpeech => _triggered && _confirmed;

    /// <summary>Samples consumed so far.</summary>
    public long Position => _position;

    /// <summary>
    /// Consumes the probability of the next window and writes the boundaries it causes (0, 1 or 2) to
    /// <paramref name="boundaries"/>, which must hold at least 2. Returns how many were written.
    /// </summary>
    public int Push(float probability, Span<SpeechBoundary> boundaries)
    {
        if (boundaries.Length < 2)
        {
            throw new ArgumentException("pass room for at least 2 boundaries", nameof(boundaries));
        }

        var n = 0;
        var pos = _position;
        _position += _window;

        if (probability >= _threshold && _tempEnd >= 0)
        {
            // Silence inside speech is over: remember the longest one for a max-speech split.
            if (pos - _tempEnd >= _minSilenceAtMax && (_bestSilenceStart < 0 || pos - _tempEnd > _bestSilenceEnd - _bestSilenceStart))
            {
                _bestSilenceStart = _tempEnd;
                _bestSilenceEnd = pos;
            }

            _tempEnd = -1;
        }

        if (probability >= _threshold && !_triggered)
        {
            _triggered = true;
            _confirmed = false;
            _start = pos;
            _bestSilenceStart = -1;
            return Confirm(pos, boundaries, n);
        }

        if (!_triggered)
        {
            return 0;
        }

        if (pos - _start > _maxSpeech)
        {
            var currentSilence = _tempEnd >= 0 ? pos - _tempEnd : 0;
            if (currentSilence >= _minSilenceAtMax && (_bestSilenceStart < 0 || currentSilence >= _bestSilenceEnd - _bestSilenceStart))
            {
                n = End(_tempEnd, boundaries, n);
                return n;
            }

            if (_bestSilenceStart >= 0)
            {
                var resume = _bestSilenceEnd;
                n = End(_bestSilenceStart, boundaries, n);
                _triggered = true;
                _confirmed = false;
                _start = resume;
                return Confirm(pos, boundaries, n);
            }

            // No silence to split at: cut here, without padding.
            n = Emit(boundaries, n, SpeechBoundaryKind.End, pos, padded: false);
            Clear();
            return n;
        }

        if (probability < _exit)
        {
            if (_tempEnd < 0)
            {
                _tempEnd = pos;
            }

            if (pos - _tempEnd < _minSilence)
            {
                return n;
            }

            return End(_tempEnd, boundaries, n);
        }

        return _tempEnd < 0 ? Confirm(pos, boundaries, n) : n;
    }

    /// <summary>
    /// Ends the stream after <paramref name="totalSamples"/> samples: an open speech segment ends there (or at its
    /// silence plus padding). Writes 0, 1 or 2 boundaries and resets for a new stream.
    /// </summary>
    public int Flush(long totalSamples, Span<SpeechBoundary> boundaries)
    {
        if (boundaries.Length < 2)
        {
            throw new ArgumentException("pass room for at least 2 boundaries", nameof(boundaries));
        }

        var n = 0;
        if (_triggered)
        {
            var end = _tempEnd >= 0 ? Math.Min(totalSamples, _tempEnd + _pad) : totalSamples;
            if (!_confirmed && (_tempEnd >= 0 ? _tempEnd : totalSamples) - _start > _minSpeech)
            {
                n = EmitStart(boundaries, n);
            }

            if (_confirmed)
            {
                boundaries[n++] = new SpeechBoundary(SpeechBoundaryKind.End, Math.Max(end, _lastEnd));
            }
        }

        Reset();
        return n;
    }

    /// <summary>Forgets everything (a new stream starts at sample 0).</summary>
    public void Reset()
    {
        Clear();
        _position = 0;
        _lastEnd = 0;
    }

    /// <summary>Runs a whole recording through <paramref name="vad"/> and this segmenter; for tools and tests (allocates).</summary>
    public static List<SpeechSegment> Segment(IVoiceActivityDetector vad, ReadOnlySpan<float> samples, SpeechSegmenterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vad);
        vad.Reset();
        var segmenter = new SpeechSegmenter(vad.SampleRate, vad.WindowSamples, options);
        var segments = new List<SpeechSegment>();
        Span<SpeechBoundary> found = stackalloc SpeechBoundary[2];
        var window = new float[vad.WindowSamples];
        long start = -1;
        for (var offset = 0; offset < samples.Length; offset += vad.WindowSamples)
        {
            var part = samples.Slice(offset, Math.Min(vad.WindowSamples, samples.Length - offset));
            part.CopyTo(window);
            window.AsSpan(part.Length).Clear();
            var n = segmenter.Push(vad.Process(window), found);
            Collect(found[..n], segments, ref start);
        }

        Collect(found[..segmenter.Flush(samples.Length, found)], segments, ref start);
        return segments;
    }

    private static void Collect(ReadOnlySpan<SpeechBoundary> boundaries, List<SpeechSegment> segments, ref long start)
    {
        foreach (var b in boundaries)
        {
            if (b.Kind == SpeechBoundaryKind.Start)
            {
                start = b.Sample;
            }
            else if (start >= 0)
            {
                segments.Add(new SpeechSegment(start, b.Sample));
                start = -1;
            }
        }
    }

    private int Confirm(long pos, Span<SpeechBoundary> boundaries, int n)
    {
        if (!_confirmed && pos + _window - _start >= _minSpeech)
        {
            n = EmitStart(boundaries, n);
        }

        return n;
    }

    private int EmitStart(Span<SpeechBoundary> boundaries, int n)
    {
        _confirmed = true;
        boundaries[n++] = new SpeechBoundary(SpeechBoundaryKind.Start, Math.Max(_lastEnd, _start - _pad));
        return n;
    }

    private int End(long silenceStart, Span<SpeechBoundary> boundaries, int n)
    {
        if (!_confirmed && silenceStart - _start > _minSpeech)
        {
            n = EmitStart(boundaries, n);
        }

        if (_confirmed)
        {
            n = Emit(boundaries, n, SpeechBoundaryKind.End, silenceStart, padded: true);
        }

        Clear();
        return n;
    }

    private int Emit(Span<SpeechBoundary> boundaries, int n, SpeechBoundaryKind kind, long sample, bool padded)
    {
        var at = padded ? Math.Min(sample + _pad, _position) : sample;
        at = Math.Max(at, _lastEnd);
        boundaries[n++] = new SpeechBoundary(kind, at);
        _lastEnd = at;
        return n;
    }

    private void Clear()
    {
        _triggered = false;
        _confirmed = false;
        _tempEnd = -1;
        _bestSilenceStart = -1;
    }

    private long Samples(TimeSpan t) => (long)Math.Round(t.TotalSeconds * SampleRate);
}
