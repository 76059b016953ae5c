using System.Runtime.InteropServices;
using System.Text;

namespace VoiceAppliance.Models.Onnx;

/// <summary>
/// A prepared call of one session with fixed input and output names: the names live in native memory and the
/// value slots are set once, so <see cref="Run"/> allocates nothing. Outputs bound to a tensor are written in
/// place; unbound outputs are allocated by ORT and taken with <see cref="TakeOutput"/>. Not thread-safe: one per
/// stream. <see cref="Terminate"/> may be called from another thread to stop a run in progress.
/// </summary>
public sealed unsafe class OnnxBinding : IDisposable
{
    private readonly OnnxSession _session;
    private readonly int _inputCount;
    private readonly int _outputCount;
    private readonly nint* _inputNames;
    private readonly nint* _outputNames;
    private readonly nint* _inputs;
    private readonly nint* _outputs;
    private readonly bool[] _outputOwnedByOrt;
    private readonly bool[] _outputBound;
    private readonly OrtRunOptionsSafeHandle _runOptions;
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
        _inputCount = inputNames.Count;
        _outputCount = outputNames.Count;
        _inputNames = AllocNames(inputNames);
        _outputNames = AllocNames(outputNames);
        _inputs = (nint*)NativeMemory.AllocZeroed((nuint)Math.Max(1, _inputCount), (nuint)sizeof(nint));
        _outputs = (nint*)NativeMemory.AllocZeroed((nuint)Math.Max(1, _outputCount), (nuint)sizeof(nint));
        _outputOwnedByOrt = new bool[_outputCount];
        _outputBound = new bool[_outputCount];
        nint runOptions;
        Ort.Check(Ort.Api->CreateRunOptions(&runOptions), "creating run options");
        _runOptions = new OrtRunOptionsSafeHandle(runOptions);
    }

    /// <summary>Binds input <paramref name="index"/> to <paramref name="tensor"/> (kept by the caller alive).</summary>
    public void SetInput<T>(int index, OnnxTensor<T> tensor)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_inputCount, nameof(index));
        _inputs[index] = tensor.Value;
    }

    /// <summary>Binds output <paramref name="index"/> to <paramref name="tensor"/>, written in place by each run.</summary>
    public void SetOutput<T>(int index, OnnxTensor<T> tensor)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_outputCount, nameof(index));
        ReleaseOrtOutput(index);
        _outputs[index] = tensor.Value;
        _outputBound[index] = true;
    }

    /// <summary>Leaves output <paramref name="index"/> to ORT to allocate on the next run.</summary>
    public void ClearOutput(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_outputCount, nameof(index));
        ReleaseOrtOutput(index);
        _outputs[index] = 0;
        _outputBound[index] = false;
    }

    /// <summary>Runs the model once. Allocates nothing when every output is bound.</summary>
    /// <exception cref="OnnxRuntimeException">ORT failed, or the run was terminated.</exception>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (var i = 0; i < _outputCount; i++)
        {
            if (!_outputBound[i])
            {
                ReleaseOrtOutput(i);
            }
        }

        _session.Run(_runOptions.DangerousGetHandle(), _inputNames, _inputs, _inputCount, _outputNames, _outputs, _outputCount);
        for (var i = 0; i < _outputCount; i++)
        {
            if (_outputs[i] != 0 && !_outputBound[i])
            {
                _outputOwnedByOrt[i] = true;
            }
        }
    }

    /// <summary>Takes ownership of an output ORT allocated in the last run.</summary>
    public OnnxValue TakeOutput(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_outputCount, nameof(index));
        if (!_outputOwnedByOrt[index])
        {
            throw new InvalidOperationException($"output {index} was not allocated by the last run (it is bound to a tensor, or the model has not run)");
        }

        var value = new OnnxValue(_outputs[index]);
        _outputs[index] = 0;
        _outputOwnedByOrt[index] = false;
        return value;
    }

    /// <summary>Asks a run in progress on another thread to stop (it fails with <see cref="OnnxRuntimeException"/>); sticky until <see cref="ResetTerminate"/>.</summary>
    public void Terminate() => Ort.Check(Ort.Api->RunOptionsSetTerminate(_runOptions.DangerousGetHandle()), "terminating a run");

    /// <summary>Lets runs proceed again after <see cref="Terminate"/>.</summary>
    public void ResetTerminate() => Ort.Check(Ort.Api->RunOptionsUnsetTerminate(_runOptions.DangerousGetHandle()), "resetting run termination");

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        for (var i = 0; i < _outputCount; i++)
        {
            ReleaseOrtOutput(i);
        }

        FreeNames(_inputNames, _inputCount);
        FreeNames(_outputNames, _outputCount);
        NativeMemory.Free(_inputs);
        NativeMemory.Free(_outputs);
        _runOptions.Dispose();
    }

    private void ReleaseOrtOutput(int index)
    {
        if (_outputOwnedByOrt[index] && _outputs[index] != 0)
        {
            Ort.Api->ReleaseValue(_outputs[index]);
        }

        if (!_outputBound[index])
        {
            _outputs[index] = 0;
        }

        _outputOwnedByOrt[index] = false;
    }

    private static nint* AllocNames(IReadOnlyList<string> names)
    {
        var array = (nint*)NativeMemory.AllocZeroed((nuint)Math.Max(1, names.Count), (nuint)sizeof(nint));
        for (var i = 0; i < names.Count; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(names[i]);
            var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
            bytes.CopyTo(new Span<byte>(p, bytes.Length));
            p[bytes.Length] = 0;
            array[i] = (nint)p;
        }

        return array;
    }

    private static void FreeNames(nint* names, int count)
    {
        for (var i = 0; i < count; i++)
        {
            NativeMemory.Free((void*)names[i]);
        }

        NativeMemory.Free(names);
    }
}
