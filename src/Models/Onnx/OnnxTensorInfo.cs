namespace VoiceAppliance.Models.Onnx;

/// <summary>A model input or output: its name, element type and shape (-1 for a dynamic dimension).</summary>
/// <param name="Name">Name in the graph.</param>
/// <param name="ElementType">Element type; <see cref="OnnxElementType.Undefined"/> for non-tensors.</param>
/// <param name="Shape">Dimensions; -1 where the model leaves a dimension free.</param>
public sealed record OnnxTensorInfo(string Name, OnnxElementType ElementType, IReadOnlyList<long> Shape)
{
    /// <summary>Shape as text, for example <c>[2, ?, 128]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {ElementType} {ShapeText}";
}
