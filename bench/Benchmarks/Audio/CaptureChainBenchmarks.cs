using BenchmarkDotNet.Attributes;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Benchmarks.Audio;

/// <summary>
/// The capture thread's work for ONE SECOND of 4-channel 48 kHz S32_LE audio, in 20 ms periods: convert
/// with gain, downmix, DC removal, level meter, resample to 16 kHz, ring write, and the consumer reading
/// 512-sample VAD windows. Mean time = CPU time per second of audio (divide by 1 s for the share of a core);
/// Allocated must be 0 B (steady state). The ring buffer throughput suite is beside it.
/// Run: <c>dotnet run --project bench/Benchmarks -c Release -- --filter '*CaptureChainBenchmarks*'</c>.
/// </summary>
[Config(typeof(AudioBenchConfig))]
public class CaptureChainBenchmarks
{
    private const int Rate = 48000;
    private const int Channels = 4;
    private const int Period = 960;
    private byte[] _raw = [];
    private float[] _interleaved = [];
    private float[] _mono = [];
    private float[] _resampled = [];
    private float[] _window = [];
    private float[] _weights = [];
    private PolyphaseResampler _resampler = null!;
    private PolyphaseResampler _scalarResampler = null!;
    private DcBlocker _dc = null!;
    private SpscRingBuffer _ring = null!;
    private float[] _chunk = [];

    [GlobalSetup]
    public void Setup()
    {
        var s = new float[Rate * Channels];
        for (var i = 0; i < Rate; i++)
        {
            for (var c = 0; c < Channels; c++)
            {
                s[(i * Channels) + c] = 0.3f * MathF.Sin(2 * MathF.PI * (440 + (c * 100)) * i / Rate);
            }
        }

        _raw = new byte[s.Length * 4];
        for (var i = 0; i < s.Length; i++)
        {
            BitConverter.TryWriteBytes(_raw.AsSpan(i * 4), (int)(s[i] * int.MaxValue));
        }

        _interleaved = new float[Period * Channels];
        _mono = new float[Period];
        _resampler = new PolyphaseResampler(Rate, 16000);
        _scalarResampler = new PolyphaseResampler(Rate, 16000) { UseScalarReference = true };
        _resampled = new float[_resampler.MaxOutput(Period)];
        _window = new float[512];
        _weights = ChannelSelection.Downmix.Weights(Channels);
        _dc = new DcBlocker(Rate);
        _ring = new SpscRingBuffer(16000 * 4);
        _chunk = new float[512];
    }

    [Benchmark(Baseline = true), BenchmarkCategory("capture chain, 1 s of 4ch 48k S32 -> 16k mono")]
    public int Chain_Scalar() => Chain(simd: false);

    [Benchmark, BenchmarkCategory("capture chain, 1 s of 4ch 48k S32 -> 16k mono")]
    public int Chain_Simd() => Chain(simd: true);

    [Benchmark(Baseline = true), BenchmarkCategory("ring write+read, 1 s of 16k in 320/512 chunks")]
    public int Ring_WriteRead()
    {
        var total = 0;
        for (var i = 0; i < 50; i++)
        {
            _ring.Write(_chunk.AsSpan(0, 320));
            while (_ring.Count >= 512)
            {
                total += _ring.Read(_window);
            }
        }

        return total;
    }

    private int Chain(bool simd)
    {
        var windows = 0;
        var frameBytes = Channels * 4;
        var resampler = simd ? _resampler : _scalarResampler;
        for (var offset = 0; offset + (Period * frameBytes) <= _raw.Length; offset += Period * frameBytes)
        {
            var raw = _raw.AsSpan(offset, Period * frameBytes);
            if (simd)
            {
                SampleConverter.S32ToFloat(raw, _interleaved, 1.5f);
                ChannelMixer.Mix(_interleaved, Channels, _weights, _mono);
                _dc.Process(_mono);
                _ = AudioLevels.Rms(_mono) + AudioLevels.Peak(_mono);
            }
            else
            {
                SampleConverter.S32ToFloatScalar(raw, _interleaved, 1.5f);
                ChannelMixer.MixScalar(_interleaved, Channels, _weights, _mono);
                _dc.ProcessScalar(_mono);
                _ = AudioLevels.RmsScalar(_mono) + AudioLevels.PeakScalar(_mono);
            }

            var n = resampler.Process(_mono, _resampled);
            _ring.Write(_resampled.AsSpan(0, n));
            while (_ring.Count >= _window.Length)
            {
                _ring.Read(_window);
                windows++;
            }
        }

        return windows;
    }
}
