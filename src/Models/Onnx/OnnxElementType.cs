namespace VoiceAppliance.Models.Onnx;

/// <summary>Tensor element types (ONNX <c>TensorProto.DataType</c>, ORT's <c>ONNXTensorElementDataType</c>).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Member names mirror ONNX's element type names.")]
public enum OnnxElementType
{
    /// <summary>Not a tensor or unknown.</summary>
    Undefined = 0,

    /// <summary>32-bit float.</summary>
    Float = 1,

    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,

    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,

    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,

    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 7,

    /// <summary>String.</summary>
    String = 8,

    /// <summary>Boolean.</summary>
    Bool = 9,

    /// <summary>IEEE half float.</summary>
    Float16 = 10,

    /// <summary>64-bit float.</summary>
    Double = 11,

    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,

    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,
}
