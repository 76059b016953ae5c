using Microsoft.ML.OnnxRuntime;

namespace VoiceAppliance.Models.Onnx;

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
