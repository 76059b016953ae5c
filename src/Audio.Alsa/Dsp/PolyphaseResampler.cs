using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VoiceAppliance.Audio.Alsa.Dsp;

/// <summary>
/// Streaming rational resampler (L/M polyphase, Kaiser-windowed sinc), for example 48000 -> 16000 (1/3),
/// 44100 -> 16000 (160/441), 22050 -> 48000 (320/147). State (the last input samples and the phase) is
/// kept across <see cref="Process"/> calls, so a stream cut into any chunk sizes gives the same output.
/// </summary>
/// <remarks>
/// The prototype low-pass has its -6 dB point at 0.92 of the lower Nyquist frequency and a Kaiser window
/// with beta 9 (about -90 dB side lobes); its half-length is 32 periods of the lower rate, so the
/// transition band is about 0.08 of that Nyquist wide. Aliased components measured on tones are below
/// -70 dB (see the tests). Each output sample is one dot product of a contiguous history window with one
/// phase's coefficients (Vector256/Vector128 with independent accumulators; each phase is zero-padded to a multiple of 16 taps so there is no tail); <see cref="UseScalarReference"/> switches to a
/// plain loop for tests and benchmarks. Nothing allocates after construction.
/// </remarks>
public sealed class PolyphaseResampler
{
    private const int MaxChunk = 4096;
    private readonly float[] _coefficients; // phase-major: phase p occupies [p*_taps, (p+1)*_taps), reversed
    private readonly float[] _history;
    private readonly int _up;
    private readonly int _down;
    private readonly int _taps;
    private readonly int _realTaps;
    private int _filled;
    private long _position; // in up-sampled units, relative to _history[0]

    /// <summary>Creates a resampler from <paramref name="inputRate"/> to <paramref name="outputRate"/>.</summary>
    public PolyphaseResampler(int inputRate, int outputRate)
    {
        if (inputRate is < 1000 or > 768000 || outputRate is < 1000 or > 768000)
        {
            throw new ArgumentOutOfRangeException(nameof(inputRate), $"{inputRate} -> {outputRate}", "rates must be 1000-768000 Hz");
        }

        InputRate = inputRate;
        OutputRate = outputRate;
        var g = Gcd(inputRate, outputRate);
        _up = outputRate / g;
        _down = inputRate / g;
        if (_up > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(outputRate), $"{inputRate} -> {outputRate}", "the rate ratio is too fine (more than 4096 phases); use common rates such as 8000, 16000, 22050, 24000, 44100, 48000");
        }

        // Cut-off in cycles per INPUT sample: 0.92 of the lower Nyquist.
        var nyquist = 0.5 * Math.Min(1.0, (double)_up / _down);
        var cutoff = 0.92 * nyquist;
        var halfInput = (int)Math.Ceiling(32.0 * Math.Max(1.0, (double)_down / _up));
        _realTaps = 2 * halfInput;

        // Pad each phase to a multiple of 16 taps with zeros at the oldest end, so the dot product has no
        // scalar tail.
        _taps = (_realTaps + 15) & ~15;
        var total = _realTaps * _up;
        _coefficients = new float[_taps * _up];
        var center = (total - 1) / 2.0;
        const double Beta = 9.0;
        var i0Beta = BesselI0(Beta);
        var h = new double[total];
        for (var j = 0; j < total; j++)
        {
            var t = (j - center) / _up; // input samples
            var x = 2 * cutoff * t;
            var sinc = Math.Abs(x) < 1e-12 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);
            var r = (j - center) / (center + 1);
            var window = BesselI0(Beta * Math.Sqrt(Math.Max(0, 1 - (r * r)))) / i0Beta;
            h[j] = 2 * cutoff * sinc * window;
        }

        for (var p = 0; p < _up; p++)
        {
            double sum = 0;
            for (var k = 0; k < _realTaps; k++)
            {
                sum += h[p + (k * _up)];
            }

            // Reverse each phase so that the output is Dot(history[n-taps+1 .. n], phase), and normalise
            // each phase to unity DC gain.
            for (var k = 0; k < _realTaps; k++)
            {
                _coefficients[(p * _taps) + (_taps - 1 - k)] = (float)(h[p + (k * _up)] / sum);
            }
        }

        _history = GC.AllocateArray<float>(_taps - 1 + MaxChunk, pinned: true);
        Reset();
    }

    /// <summary>Input rate in Hz.</summary>
    public int InputRate { get; }

    /// <summary>Output rate in Hz.</summary>
    public int OutputRate { get; }

    /// <summary>Filter taps per output sample.</summary>
    public int TapsPerPhase => _taps;

    /// <summary>Delay of the filter in output samples (the start of a tone appears this much later).</summary>
    public int DelayOutputSamples => (int)((_realTaps / 2.0 * OutputRate) / InputRate);

    /// <summary>Use the scalar dot product instead of the SIMD one (tests and benchmarks).</summary>
    public bool UseScalarReference { get; set; }

    /// <summary>The most output samples <see cref="Process"/> can produce for <paramref name="inputLength"/> input samples.</summary>
    public int MaxOutput(int inputLength) => (int)(((long)inputLength * _up / _down) + 2);

    /// <summary>
    /// Resamples <paramref name="input"/> (any length) into <paramref name="output"/>, which must hold
    /// <see cref="MaxOutput"/> samples. Returns the number of samples written.
    /// </summary>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length < MaxOutput(input.Length))
        {
            throw new ArgumentException($"output holds {output.Length} samples; {input.Length} input samples need up to {MaxOutput(input.Length)}", nameof(output));
        }

        var written = 0;
        while (!input.IsEmpty)
        {
            var piece = Math.Min(input.Length, _history.Length - _filled);
            input[..piece].CopyTo(_history.AsSpan(_filled));
            _filled += piece;
            input = input[piece..];
            written += Produce(output[written..]);
        }

        return written;
    }

    /// <summary>Clears the history (silence) and the phase.</summary>
    public void Reset()
    {
        Array.Clear(_history);
        _filled = _taps - 1;
        _position = (long)(_taps - 1) * _up;
    }

    private int Produce(Span<float> output)
    {
        var written = 0;
        var coefficients = _coefficients.AsSpan();
        while (true)
        {
            var n = (int)(_position / _up);
            if (n >= _filled)
            {
                break;
            }

            var phase = (int)(_position - ((long)n * _up));
            var window = _history.AsSpan(n - _taps + 1, _taps);
            var c = coefficients.Slice(phase * _taps, _taps);
            output[written++] = UseScalarReference ? DotScalar(window, c) : Dot(window, c);
            _position += _down;
        }

        // Keep the last taps-1 samples as history for the next call.
        var keep = _taps - 1;
        var drop = _filled - keep;
        if (drop > 0)
        {
            _history.AsSpan(drop, keep).CopyTo(_history);
            _filled = keep;
            _position -= (long)drop * _up;
        }

        return written;
    }

    /// <summary>Dot product of two spans whose length is a multiple of 16, with independent accumulators.</summary>
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var n = (nuint)a.Length;
        if (Vector256.IsHardwareAccelerated && SimdWidth.Use256)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (nuint i = 0; i < n; i += 16)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref pa, i), Vector256.LoadUnsafe(ref pb, i), acc0);
                acc1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref pa, i + 8), Vector256.LoadUnsafe(ref pb, i + 8), acc1);
            }

            return Vector256.Sum(acc0 + acc1);
        }

        if (Vector128.IsHardwareAccelerated && SimdWidth.Use128)
        {
            var acc0 = Vector128<float>.Zero;
            var acc1 = Vector128<float>.Zero;
            var acc2 = Vector128<float>.Zero;
            var acc3 = Vector128<float>.Zero;
            for (nuint i = 0; i < n; i += 16)
            {
                acc0 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref pa, i), Vector128.LoadUnsafe(ref pb, i), acc0);
                acc1 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref pa, i + 4), Vector128.LoadUnsafe(ref pb, i + 4), acc1);
                acc2 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref pa, i + 8), Vector128.LoadUnsafe(ref pb, i + 8), acc2);
                acc3 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref pa, i + 12), Vector128.LoadUnsafe(ref pb, i + 12), acc3);
            }

            return Vector128.Sum((acc0 + acc1) + (acc2 + acc3));
        }

        return DotScalar(a, b);
    }

    private static float DotScalar(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static double BesselI0(double x)
    {
        double sum = 1, term = 1;
        var half = x / 2;
        for (var k = 1; k < 64; k++)
        {
            term *= half / k;
            var t2 = term * term;
            sum += t2;
            if (t2 < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
