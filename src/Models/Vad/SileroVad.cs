using VoiceAppliance.Models.Onnx;

namespace VoiceAppliance.Models.Vad;

/// <summary>
/// Silero voice activity detection for one audio stream: 512-sample windows at 16 kHz (256 at 8 kHz), with the
/// previous window's last 64 (32) samples as context and the recurrent state kept between windows. All tensors
/// are allocated once; <see cref="Process"/> allocates nothing.
/// </summary>
public sealed class SileroVad : IVoiceActivityDetector
{
    private readonly SileroVadModel _model;
    private readonly bool _ownsModel;
    private readonly int _context;
    private readonly OnnxTensor<float> _input;
    private readonly OnnxTensor<long> _sr;
    private readonly OnnxTensor<float> _probability;
    private readonly OnnxTensor<float>[] _state;
    private readonly OnnxTensor<float>[] _cell;
    private readonly OnnxBinding[] _bindings;
    private int _current;
    private bool _disposed;

    internal SileroVad(SileroVadModel model, int sampleRate, bool ownsModel)
    {
        if (sampleRate is not (16000 or 8000))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "Silero VAD runs at 16000 or 8000 Hz; resample the audio first");
        }

        _model = model;
        _ownsModel = ownsModel;
        SampleRate = sampleRate;
        WindowSamples = sampleRate == 16000 ? 512 : 256;
        _context = model.Version == SileroVersion.V5 ? (sampleRate == 16000 ? 64 : 32) : 0;
        _input = new OnnxTensor<float>(1, _context + WindowSamples);
        _sr = new OnnxTensor<long>([]);
        _sr.Span[0] = sampleRate;
        _probability = new OnnxTensor<float>(1, 1);
        _bindings = new OnnxBinding[2];

        // Two state buffers used in turn (run k reads state[k % 2] and writes state[(k + 1) % 2]): ORT never
        // reads and writes the same buffer, and nothing is copied between windows.
        if (model.Version == SileroVersion.V5)
        {
            _state = [new OnnxTensor<float>(2, 1, 128), new OnnxTensor<float>(2, 1, 128)];
            _cell = [];
            for (var k = 0; k < 2; k++)
            {
                var binding = new OnnxBinding(model.Session, ["input", "state", "sr"], ["output", "stateN"]);
                binding.SetInput(0, _input);
                binding.SetInput(1, _state[k]);
                binding.SetInput(2, _sr);
                binding.SetOutput(0, _probability);
                binding.SetOutput(1, _state[1 - k]);
                _bindings[k] = binding;
            }
        }
        else
        {
            _state = [new OnnxTensor<float>(2, 1, 64), new OnnxTensor<float>(2, 1, 64)];
            _cell = [new OnnxTensor<float>(2, 1, 64), new OnnxTensor<float>(2, 1, 64)];
            for (var k = 0; k < 2; k++)
            {
                var binding = new OnnxBinding(model.Session, ["input", "sr", "h", "c"], ["output", "hn", "cn"]);
                binding.SetInput(0, _input);
                binding.SetInput(1, _sr);
                binding.SetInput(2, _state[k]);
                binding.SetInput(3, _cell[k]);
                binding.SetOutput(0, _probability);
                binding.SetOutput(1, _state[1 - k]);
                binding.SetOutput(2, _cell[1 - k]);
                _bindings[k] = binding;
            }
        }
    }

    /// <summary>Loads <paramref name="path"/> and returns a detector that owns (and disposes) the model.</summary>
    public static SileroVad Open(string path, int sampleRate = 16000, OnnxSessionOptions? options = null)
    {
        var model = SileroVadModel.Load(path, options);
        try
        {
            return new SileroVad(model, sampleRate, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int SampleRate { get; }

    /// <inheritdoc/>
    public int WindowSamples { get; }

    /// <summary>The model version in use.</summary>
    public SileroVersion Version => _model.Version;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The window is not exactly <see cref="WindowSamples"/> long.</exception>
    public float Process(ReadOnlySpan<float> window)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (window.Length != WindowSamples)
        {
            throw new ArgumentException($"Silero VAD takes windows of exactly {WindowSamples} samples at {SampleRate} Hz; got {window.Length}", nameof(window));
        }

        var input = _input.Span;
        window.CopyTo(input[_context..]);
        _bindings[_current].Run();
        _current = 1 - _current;

        // The last samples of this window are the next window's context.
        if (_context > 0)
        {
            input[^_context..].CopyTo(input);
        }

        var p = _probability.Span[0];
        return float.IsFinite(p) ? p : 0f;
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _input.Span.Clear();
        foreach (var s in _state)
        {
            s.Span.Clear();
        }

        foreach (var c in _cell)
        {
            c.Span.Clear();
        }

        _current = 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var b in _bindings)
        {
            b.Dispose();
        }

        _input.Dispose();
        _sr.Dispose();
        _probability.Dispose();
        foreach (var s in _state)
        {
            s.Dispose();
        }

        foreach (var c in _cell)
        {
            c.Dispose();
        }

        if (_ownsModel)
        {
            _model.Dispose();
        }
    }
}
