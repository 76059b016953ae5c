using Microsoft.ML.OnnxRuntime;

namespace VoiceAppliance.Models.Onnx;

/// <summary>
/// A tensor over managed memory, handed to ORT without a copy: the memory is pinned for the tensor's life and
/// the <see cref="OrtValue"/> points into it. Create once, write through <see cref="Span"/>, run many times.
/// </summary>
/// <typeparam name="T">float, double, long, int, short, sbyte, byte, ushort, uint, ulong or bool.</typeparam>
public sealed class OnnxTensor<T> : IDisposable
    where T : unmanaged
{
    private readonly Memory<T> _memory;
    private readonly long[] _shape;
    private readonly OrtValue _value;

    /// <summary>Allocates a zeroed tensor of <paramref name="shape"/> in pinned memory.</summary>
    public OnnxTensor(params ReadOnlySpan<long> shape)
        : this(GC.AllocateArray<T>(checked((int)OnnxTensor.ElementCount(shape)), pinned: true), shape)
    {
    }

    /// <summary>
    /// Wraps <paramref name="memory"/> (at least the shape's element count) as a tensor of <paramref name="shape"/>.
    /// The memory is pinned until <see cref="Dispose"/>; arrays from <c>GC.AllocateArray(pinned: true)</c> cost nothing to pin.
    /// </summary>
    public OnnxTensor(Memory<T> memory, ReadOnlySpan<long> shape)
    {
        var count = OnnxTensor.ElementCount(shape);
        _ = OnnxTensor.ElementTypeOf<T>();
        if (memory.Length < count)
        {
            throw new ArgumentException($"a tensor of shape [{string.Join(", ", shape.ToArray())}] needs {count} elements; the memory has {memory.Length}", nameof(memory));
        }

        _memory = memory[..(int)count];
        _shape = shape.ToArray();
        try
        {
            _value = OrtValue.CreateTensorValueFromMemory(Ort.CpuMemory, _memory, _shape);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            throw Ort.Fail(ex, "creating a tensor over managed memory");
        }
    }

    /// <summary>The ONNX element type of <typeparamref name="T"/>.</summary>
    public OnnxElementType ElementType => OnnxTensor.ElementTypeOf<T>();

    /// <summary>The tensor's elements (the memory ORT reads and writes).</summary>
    public Span<T> Span => _memory.Span;

    /// <summary>The tensor's shape.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    internal OrtValue Value => _value;

    /// <inheritdoc/>
    public void Dispose() => _value.Dispose();
}

/// <summary>A tensor ORT allocated as a model output; read it, then dispose it.</summary>
public sealed class OnnxValue : IDisposable
{
    private readonly OrtValue _value;

    internal OnnxValue(OrtValue value)
    {
        _value = value;
        var info = value.GetTensorTypeAndShape();
        ElementType = Ort.ElementTypeOf(info.ElementDataType);
        Shape = info.Shape;
    }

    /// <summary>Element type.</summary>
    public OnnxElementType ElementType { get; }

    /// <summary>Shape.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => OnnxTensor.ElementCount([.. Shape]);

    /// <summary>The elements, valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged
    {
        if (OnnxTensor.ElementTypeOf<T>() != ElementType)
        {
            throw new InvalidOperationException($"the output holds {ElementType}, not {OnnxTensor.ElementTypeOf<T>()}");
        }

        return _value.GetTensorDataAsSpan<T>();
    }

    /// <inheritdoc/>
    public void Dispose() => _value.Dispose();
}

/// <summary>Helpers shared by the tensor types.</summary>
public static class OnnxTensor
{
    /// <summary>The ONNX element type of <typeparamref name="T"/>.</summary>
    public static OnnxElementType ElementTypeOf<T>()
        where T : unmanaged =>
        typeof(T) == typeof(float) ? OnnxElementType.Float
        : typeof(T) == typeof(long) ? OnnxElementType.Int64
        : typeof(T) == typeof(int) ? OnnxElementType.Int32
        : typeof(T) == typeof(double) ? OnnxElementType.Double
        : typeof(T) == typeof(short) ? OnnxElementType.Int16
        : typeof(T) == typeof(ushort) ? OnnxElementType.UInt16
        : typeof(T) == typeof(sbyte) ? OnnxElementType.Int8
        : typeof(T) == typeof(byte) ? OnnxElementType.UInt8
        : typeof(T) == typeof(uint) ? OnnxElementType.UInt32
        : typeof(T) == typeof(ulong) ? OnnxElementType.UInt64
        : typeof(T) == typeof(bool) ? OnnxElementType.Bool
        : throw new NotSupportedException($"{typeof(T)} has no ONNX tensor element type");

    /// <summary>Number of elements of <paramref name="shape"/>; every dimension must be 0 or more.</summary>
    public static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            count = checked(count * d);
        }

        return count;
    }
}
