using System.Numerics.Tensors;

namespace VoiceAppliance.Audio.Alsa.Dsp;

/// <summary>
/// Removes the DC offset many MEMS mics and codecs add. It tracks the mean of each block with a one-pole
/// smoother (time constant <c>TimeConstant</c>) and subtracts it (SIMD through TensorPrimitives). Block-wise
/// tracking instead of a per-sample IIR keeps the hot loop vectorised; the cut-off is well below speech.
/// </summary>
public sealed class DcBlocker
{
    private readonly int _sampleRate;
    private readonly double _timeConstantSeconds;
    private float _dc;
    private bool _primed;

    /// <summary>Creates a blocker for <paramref name="sampleRate"/> with a smoothing time constant (default 0.5 s).</summary>
    public DcBlocker(int sampleRate, TimeSpan? timeConstant = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        _sampleRate = sampleRate;
        _timeConstantSeconds = (timeConstant ?? TimeSpan.FromSeconds(0.5)).TotalSeconds;
        if (_timeConstantSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(timeConstant), timeConstant, "time constant must be positive");
        }
    }

    /// <summary>The current DC estimate.</summary>
    public float Offset => _dc;

    /// <summary>Subtracts the tracked DC from <paramref name="samples"/> in place.</summary>
    public void Process(Span<float> samples)
    {
        if (samples.IsEmpty)
        {
            return;
        }

        Update(TensorPrimitives.Sum(samples) / samples.Length, samples.Length);
        TensorPrimitives.Subtract(samples, _dc, samples);
    }

    /// <summary>Scalar reference of <see cref="Process"/> (same state update).</summary>
    public void ProcessScalar(Span<float> samples)
    {
        if (samples.IsEmpty)
        {
            return;
        }

        var sum = 0f;
        foreach (var s in samples)
        {
            sum += s;
        }

        Update(sum / samples.Length, samples.Length);
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] -= _dc;
        }
    }

    /// <summary>Forgets the estimate.</summary>
    public void Reset()
    {
        _dc = 0;
        _primed = false;
    }

    private void Update(float mean, int count)
    {
        if (!_primed)
        {
            _dc = mean;
            _primed = true;
            return;
        }

        var alpha = (float)(1 - Math.Exp(-count / (_timeConstantSeconds * _sampleRate)));
        _dc += alpha * (mean - _dc);
    }
}
