using System.Globalization;
using System.Text;
using System.Text.Json;
using VoiceAppliance.Models.Onnx;

namespace VoiceAppliance.Models.Piper;

/// <summary>Which files a Piper voice came from.</summary>
public enum PiperVoiceLayout
{
    /// <summary>Piper's own: <c>voice.onnx</c> + <c>voice.onnx.json</c> (phoneme_id_map, audio, espeak, inference).</summary>
    Piper,

    /// <summary>sherpa-onnx's: <c>model.onnx</c> + <c>tokens.txt</c>, facts in the model's metadata, maybe <c>espeak-ng-data/</c>.</summary>
    SherpaOnnx,
}
