using VoiceAppliance.Models.Onnx;

namespace VoiceAppliance.Models.Vad;

/// <summary>Which Silero VAD graph a model file holds, told apart by its input names.</summary>
public enum SileroVersion
{
    /// <summary>v5/v6: inputs <c>input</c> (64 context + 512 samples at 16 kHz), <c>state</c> [2,1,128], <c>sr</c>.</summary>
    V5 = 5,

    /// <summary>v4 and older ("legacy"): inputs <c>input</c> (512 samples, no context), <c>sr</c>, <c>h</c> and <c>c</c> [2,1,64].</summary>
    V4 = 4,
}
