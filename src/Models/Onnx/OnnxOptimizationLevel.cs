namespace VoiceAppliance.Models.Onnx;

/// <summary>Graph optimisation level of a session (ORT's <c>GraphOptimizationLevel</c>).</summary>
public enum OnnxOptimizationLevel
{
    /// <summary>No graph optimisations.</summary>
    None = 0,

    /// <summary>Constant folding and redundant node elimination.</summary>
    Basic = 1,

    /// <summary>Basic plus node fusions.</summary>
    Extended = 2,

    /// <summary>Everything, including layout optimisations.</summary>
    All = 99,
}
