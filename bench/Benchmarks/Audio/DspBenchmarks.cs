using BenchmarkDotNet.Attributes;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Benchmarks.Audio;

/// <summary>
/// SIMD vs scalar for every DSP stage, on one second of audio (48 kHz unless noted) processed the way the
/// capture and playback threads do it: 50 periods of 20 ms (960 frames) through buffers allocated once and
/// reused (so they stay in L1/L2). Ratio column: scalar = 1.
/// Run: <c>dotnet run --project bench/Benchmarks -c Release -- --filter '*DspBenchmarks*'</c>.
/// </summary>
[Config(typeof(AudioBenchConfig))]
public class DspBenchmarks
{
    private const int Frames = 48000;
    private const int Period = 960;
    private const int Periods = Frames / Period;
    private byte[] _s16 = [];
    private byte[] _s24 = [];
    private byte[] _s32 = [];
    private float[] _floats = [];
    private float[] _interleaved2 = [];
    private float[] _interleaved4 = [];
    private float[] _interleaved8 = [];
    private float[] _mono = [];
    private float[] _out = [];
    private byte[] _outBytes = [];
    private float[] _w2 = [];
    private float[] _w4 = [];
    private float[] _w8 = [];
    private PolyphaseResampler _simd48 = null!;
    private PolyphaseResampler _scalar48 = null!;
    private PolyphaseResampler _simd44 = null!;
    private PolyphaseResampler _scalar44 = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _s16 = new byte[Period * 2 * 4];
        _s24 = new byte[Period * 3 * 4];
        _s32 = new byte[Period * 4 * 4];
        rng.NextBytes(_s16);
        rng.NextBytes(_s24);
        rng.NextBytes(_s32);
        _floats = new float[Frames * 8];
        for (var i = 0; i < _floats.Length; i++)
        {
            _floats[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        _interleaved2 = _floats[..(Period * 2)];
        _interleaved4 = _floats[..(Period * 4)];
        _interleaved8 = _floats[..(Period * 8)];
        _mono = _floats[..Frames];
        _out = new float[Period * 4];
        _outBytes = new byte[Period * 2];
        _w2 = ChannelSelection.Downmix.Weights(2);
        _w4 = ChannelSelection.Downmix.Weights(4);
        _w8 = ChannelSelection.Of(0, 1, 2, 3, 4, 5).Weights(8);
        _simd48 = new PolyphaseResampler(48000, 16000);
        _scalar48 = new PolyphaseResampler(48000, 16000) { UseScalarReference = true };
        _simd44 = new PolyphaseResampler(44100, 16000);
        _scalar44 = new PolyphaseResampler(44100, 16000) { UseScalarReference = true };
    }

    [Benchmark(Baseline = true), BenchmarkCategory("S16x4ch->float")]
    public void S16_Scalar()
    {
        for (var p = 0; p < Periods; p++)
        {
            SampleConverter.S16ToFloatScalar(_s16, _out, 0.9f);
        }
    }

    [Benchmark, BenchmarkCategory("S16x4ch->float")]
    public void S16_Simd()
    {
        for (var p = 0; p < Periods; p++)
        {
            SampleConverter.S16ToFloat(_s16, _out, 0.9f);
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("S24_3x4ch->float")]
    public void S24_Scalar()
    {
        for (var p = 0; p < Periods; p++)
        {
            SampleConverter.S24ToFloatScalar(_s24, _out, 0.9f);
        }
    }

    [Benchmark, BenchmarkCategory("S24_3x4ch->float")]
    public void S24_Simd()
    {
        for (var p = 0; p < Periods; p++)
        {
            SampleConverter.S24ToFloat(_s24, _out, 0.9f);
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("S32x4ch->float")]
    public void S32_Scalar()
    {
        for (var p = 0; p < Periods; p++)
        {
            SampleConverter.S32ToFloatScalar(_s32, _out, 0.9f);
        }
    }

    [Benchmark, BenchmarkCategory("S32x4ch->float")]
    public void S32_Simd()
    {
        for (var p = 0; p < Periods; p++)
        {
            SampleConverter.S32ToFloat(_s32, _out, 0.9f);
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("float->S16")]
    public void ToS16_Scalar()
    {
        for (var p = 0; p < Periods; p++)
        {
            SampleConverter.FloatToS16Scalar(_mono.AsSpan(0, Period), _outBytes);
        }
    }

    [Benchmark, BenchmarkCategory("float->S16")]
    public void ToS16_Simd()
    {
        for (var p = 0; p < Periods; p++)
        {
            SampleConverter.FloatToS16(_mono.AsSpan(0, Period), _outBytes);
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("mix 2ch")]
    public int Mix2_Scalar()
    {
        int sum = 0;
        for (var p = 0; p < Periods; p++)
        {
            sum += ChannelMixer.MixScalar(_interleaved2, 2, _w2, _out);
        }

        return sum;
    }

    [Benchmark, BenchmarkCategory("mix 2ch")]
    public int Mix2_Simd()
    {
        int sum = 0;
        for (var p = 0; p < Periods; p++)
        {
            sum += ChannelMixer.Mix(_interleaved2, 2, _w2, _out);
        }

        return sum;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("mix 4ch")]
    public int Mix4_Scalar()
    {
        int sum = 0;
        for (var p = 0; p < Periods; p++)
        {
            sum += ChannelMixer.MixScalar(_interleaved4, 4, _w4, _out);
        }

        return sum;
    }

    [Benchmark, BenchmarkCategory("mix 4ch")]
    public int Mix4_Simd()
    {
        int sum = 0;
        for (var p = 0; p < Periods; p++)
        {
            sum += ChannelMixer.Mix(_interleaved4, 4, _w4, _out);
        }

        return sum;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("mix 8ch")]
    public int Mix8_Scalar()
    {
        int sum = 0;
        for (var p = 0; p < Periods; p++)
        {
            sum += ChannelMixer.MixScalar(_interleaved8, 8, _w8, _out);
        }

        return sum;
    }

    [Benchmark, BenchmarkCategory("mix 8ch")]
    public int Mix8_Simd()
    {
        int sum = 0;
        for (var p = 0; p < Periods; p++)
        {
            sum += ChannelMixer.Mix(_interleaved8, 8, _w8, _out);
        }

        return sum;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("rms+peak")]
    public float Levels_Scalar()
    {
        float sum = 0;
        for (var p = 0; p < Periods; p++)
        {
            sum += AudioLevels.RmsScalar(_mono.AsSpan(0, Period)) + AudioLevels.PeakScalar(_mono.AsSpan(0, Period));
        }

        return sum;
    }

    [Benchmark, BenchmarkCategory("rms+peak")]
    public float Levels_Simd()
    {
        float sum = 0;
        for (var p = 0; p < Periods; p++)
        {
            sum += AudioLevels.Rms(_mono.AsSpan(0, Period)) + AudioLevels.Peak(_mono.AsSpan(0, Period));
        }

        return sum;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("resample 48k->16k")]
    public int Resample48_Scalar() => ResampleSecond(_scalar48, 48000);

    [Benchmark, BenchmarkCategory("resample 48k->16k")]
    public int Resample48_Simd() => ResampleSecond(_simd48, 48000);

    [Benchmark(Baseline = true), BenchmarkCategory("resample 44.1k->16k")]
    public int Resample44_Scalar() => ResampleSecond(_scalar44, 44100);

    [Benchmark, BenchmarkCategory("resample 44.1k->16k")]
    public int Resample44_Simd() => ResampleSecond(_simd44, 44100);

    private int ResampleSecond(PolyphaseResampler r, int rate)
    {
        var total = 0;
        for (var i = 0; i + 960 <= rate; i += 960)
        {
            total += r.Process(_mono.AsSpan(i, 960), _out);
        }

        return total;
    }
}
