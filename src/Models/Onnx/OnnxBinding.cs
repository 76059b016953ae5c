using Microsoft.ML.OnnxRuntime;

namespace VoiceAppliance.Models.Onnx;

/// <summary>
/// A prepared call of one session with fixed input and output names, over ORT's <see cref="OrtIoBinding"/>: values
/// are bound once, so <see cref="Run"/> allocates nothing. Outputs bound to a tensor are written in place; unbound
/// outputs are allocated by ORT and taken with <see cref="TakeOutput"/>. Not thread-safe: one per stream.
/// <see cref="Terminate"/> may be called from another thread to stop a run in progress.
/// </summary>
public sealed class OnnxBinding : IDisposable
{
    private readonly OnnxSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly OrtValue?[] _inputs;
    private readonly OrtValue?[] _outputs;
    private readonly bool[] _taken;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions;
    private bool _dirty = true;
    private bool _ran;
    private bool _disposed;

    /// <summary>Prepares calls of <paramref name="session"/> with these input and output names (each must exist).</summary>
    public OnnxBinding(OnnxSession session, IReadOnlyList<string> inputNames, IReadOnlyList<string> outputNames)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(inputNames);
        ArgumentNullException.ThrowIfNull(outputNames);
        foreach (var name in inputNames)
        {
            _ = session.FindInput(name) ?? throw new ArgumentException($"model '{session.Source}' has no input '{name}'", nameof(inputNames));
        }

        foreach (var name in outputNames)
        {
            _ = session.FindOutput(name) ?? throw new ArgumentException($"model '{session.Source}' has no output '{name}'", nameof(outputNames));
        }

        _session = session;
        _inputNames = [.. inputNames];
        _outputNames = [.. outputNames];
        _inputs = new OrtValue?[_inputNames.Length];
        _outputs = new OrtValue?[_outputNames.Length];
        _taken = new bool[_outputNames.Length];
        _binding = session.Session.CreateIoBinding();
        _runOptions = new RunOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
    }

    /// <summary>Binds input <paramref name="index"/> to <paramref name="tensor"/> (kept by the caller alive).</summary>
    public void SetInput<T>(int index, OnnxTensor<T> tensor)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_inputNames.Length, nameof(index));
        _inputs[index] = tensor.Value;
        _dirty = true;
    }

    /// <summary>Binds output <paramref name="index"/> to <paramref name="tensor"/>, written in place by each run.</summary>
    public void SetOutput<T>(int index, OnnxTensor<T> tensor)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_outputNames.Length, nameof(index));
        _outputs[index] = tensor.Value;
        _dirty = true;
    }

    /// <summary>Leaves output <paramref name="index"/> to ORT to allocate on the next run.</summary>
    public void ClearOutput(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_outputNames.Length, nameof(index));
        _outputs[index] = null;
        _dirty = true;
    }

    /// <summary>Runs the model once. Allocates nothing when every output is bound and the bindings did not change.</summary>
    /// <exception cref="OnnxRuntimeException">ORT failed, or the run was terminated.</exception>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Array.Clear(_taken);
        if (_dirty)
        {
            Rebind();
        }

        try
        {
            _session.Session.RunWithBinding(_runOptions, _binding);
            _ran = true;
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            _ran = false;
            throw Ort.Fail(ex, $"running the model '{_session.Source}'");
        }
    }

    /// <summary>Takes ownership of an output ORT allocated in the last run.</summary>
    public OnnxValue TakeOutput(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_outputNames.Length, nameof(index));
        if (!_ran || _outputs[index] is not null || _taken[index])
        {
            throw new InvalidOperationException($"output {index} was not allocated by the last run (it is bound to a tensor, already taken, or the model has not run)");
        }

        // The binding returns every output in the order they were bound (index order, see Rebind). The collection
        // would release them all when disposed: keep ours, release the others one by one.
        var values = _binding.GetOutputValues();
        OrtValue? mine = null;
        var i = 0;
        foreach (var value in values)
        {
            if (i++ == index)
            {
                mine = value;
            }
            else
            {
                value.Dispose();
            }
        }

        _taken[index] = true;
        return mine is null
            ? throw new InvalidOperationException($"the last run of '{_session.Source}' returned no output {index}")
            : new OnnxValue(mine);
    }

    /// <summary>Asks a run in progress on another thread to stop (it fails with <see cref="OnnxRuntimeException"/>); sticky until <see cref="ResetTerminate"/>.</summary>
    public void Terminate() => _runOptions.Terminate = true;

    /// <summary>Lets runs proceed again after <see cref="Terminate"/>.</summary>
    public void ResetTerminate() => _runOptions.Terminate = false;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _binding.Dispose();
        _runOptions.Dispose();
    }

    private void Rebind()
    {
        _binding.ClearBoundInputs();
        _binding.ClearBoundOutputs();
        for (var i = 0; i < _inputNames.Length; i++)
        {
            var value = _inputs[i] ?? throw new InvalidOperationException($"input '{_inputNames[i]}' of '{_session.Source}' is not set");
            _binding.BindInput(_inputNames[i], value);
        }

        for (var i = 0; i < _outputNames.Length; i++)
        {
            if (_outputs[i] is { } value)
            {
                _binding.BindOutput(_outputNames[i], value);
            }
            else
            {
                _binding.BindOutputToDevice(_outputNames[i], Ort.CpuMemory);
            }
        }

        _dirty = false;
    }
}
