
namespace VoiceAppliance.Models.Vad;

/// <summary>
/// Streaming speech detection over audio in chunks of any size: buffers samples into VAD windows, runs the
/// detector and the <see cref="SpeechSegmenter"/>, and appends speech start/end boundaries (sample positions from
/// the start of the stream). Allocates nothing per chunk once the boundary list has capacity. One per stream;
/// not thread-safe.
/// </summary>
public sealed class SpeechDetector
{
    private readonly IVoiceActivityDetector _vad;
    private readonly SpeechSegmenter _segmenter;
    private readonly float[] _window;
    private readonly SpeechBoundary[] _found = new SpeechBoundary[2];
    private int _filled;
    private long _samples;

    /// <summary>Detects speech with <paramref name="vad"/> (owned by the caller) and Silero's rules in <paramref name="options"/>.</summary>
    public SpeechDetector(IVoiceActivityDetector vad, SpeechSegmenterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vad);
        _vad = vad;
        _segmenter = new SpeechSegmenter(vad.SampleRate, vad.WindowSamples, options);
        _window = new float[vad.WindowSamples];
    }

    /// <summary>Speech probability of the last window.</summary>
    public float LastProbability { get; private set; }

    /// <summary>True while in confirmed speech.</summary>
    public bool InSpeech => _segmenter.InSpeech;

    /// <summary>Samples consumed so far.</summary>
    public long Position => _samples;

    /// <summary>Consumes <paramref name="samples"/> (at the detector's rate) and appends the boundaries found; returns how many.</summary>
    public int Process(ReadOnlySpan<float> samples, ICollection<SpeechBoundary> boundaries)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        var count = 0;
        while (!samples.IsEmpty)
        {
            var take = Math.Min(samples.Length, _window.Length - _filled);
            samples[..take].CopyTo(_window.AsSpan(_filled));
            samples = samples[take..];
            _filled += take;
            _samples += take;
            if (_filled == _window.Length)
            {
                _filled = 0;
                LastProbability = _vad.Process(_window);
                var n = _segmenter.Push(LastProbability, _found);
                for (var i = 0; i < n; i++)
                {
                    boundaries.Add(_found[i]);
                }

                count += n;
            }
        }

        return count;
    }

    /// <summary>Ends the stream: closes open speech at the last sample, appends the boundaries, and resets for a new stream.</summary>
    public int Flush(ICollection<SpeechBoundary> boundaries)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        var n = _segmenter.Flush(_samples, _found);
        for (var i = 0; i < n; i++)
        {
            boundaries.Add(_found[i]);
        }

        Reset();
        return n;
    }

    /// <summary>Forgets the stream (detector state, buffered samples, positions).</summary>
    public void Reset()
    {
        _vad.Reset();
        _segmenter.Reset();
        _filled = 0;
        _samples = 0;
        LastProbability = 0f;
    }
}
