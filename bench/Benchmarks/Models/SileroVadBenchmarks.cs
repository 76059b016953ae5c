using BenchmarkDotNet.Attributes;
using VoiceAppliance.Models.Vad;

namespace VoiceAppliance.Benchmarks.Models;

/// <summary>
/// One Silero window (512 samples at 16 kHz) through our binding: time and bytes allocated per window
/// (<c>./build.sh bench --filter *SileroVad*</c>). The side-by-side comparison with sherpa-onnx is <c>bench models</c>.
/// </summary>
[MemoryDiagnoser]
public class SileroVadBenchmarks
{
    private SileroVad? _vad;
    private SpeechDetector? _detector;
    private float[] _audio = [];
    private readonly List<SpeechBoundary> _boundaries = new(1024);
    private int _offset;

    /// <summary>Loads the model and the clip.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "global.json")))
        {
            dir = dir.Parent;
        }

        var models = Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("run from the checkout"), "models");
        _vad = SileroVad.Open(Path.Combine(models, "silero_vad_v5.onnx"));
        _detector = new SpeechDetector(_vad);
        _audio = global::VoiceAppliance.Audio.Alsa.WavFile.Read(Path.Combine(models, "samples", "jfk.wav")).Samples;
    }

    /// <summary>Releases the model.</summary>
    [GlobalCleanup]
    public void Cleanup() => _vad?.Dispose();

    /// <summary>One window through the model.</summary>
    [Benchmark]
    public float Window()
    {
        _offset = _offset + 512 + 512 > _audio.Length ? 0 : _offset + 512;
        return _vad!.Process(_audio.AsSpan(_offset, 512));
    }

    /// <summary>One 20 ms capture chunk (320 samples) through the streaming detector.</summary>
    [Benchmark]
    public int Chunk20ms()
    {
        _offset = _offset + 320 + 320 > _audio.Length ? 0 : _offset + 320;
        if (_boundaries.Count > 1000)
        {
            _boundaries.Clear();
        }

        return _detector!.Process(_audio.AsSpan(_offset, 320), _boundaries);
    }
}
