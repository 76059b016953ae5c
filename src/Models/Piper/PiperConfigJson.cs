using System.Text.Json.Serialization;

namespace VoiceAppliance.Models.Piper;

/// <summary>Piper's <c>voice.onnx.json</c> (the fields this project reads).</summary>
internal sealed class PiperConfigJson
{
    [JsonPropertyName("audio")]
    public PiperAudioJson? Audio { get; set; }

    [JsonPropertyName("espeak")]
    public PiperEspeakJson? Espeak { get; set; }

    [JsonPropertyName("inference")]
    public PiperInferenceJson? Inference { get; set; }

    [JsonPropertyName("phoneme_type")]
    public string? PhonemeType { get; set; }

    [JsonPropertyName("phoneme_id_map")]
    public Dictionary<string, int[]>? PhonemeIdMap { get; set; }

    [JsonPropertyName("num_speakers")]
    public int NumSpeakers { get; set; } = 1;

    [JsonPropertyName("speaker_id_map")]
    public Dictionary<string, int>? SpeakerIdMap { get; set; }
}

internal sealed class PiperAudioJson
{
    [JsonPropertyName("sample_rate")]
    public int SampleRate { get; set; }
}

internal sealed class PiperEspeakJson
{
    [JsonPropertyName("voice")]
    public string? Voice { get; set; }
}

internal sealed class PiperInferenceJson
{
    [JsonPropertyName("noise_scale")]
    public float? NoiseScale { get; set; }

    [JsonPropertyName("length_scale")]
    public float? LengthScale { get; set; }

    [JsonPropertyName("noise_w")]
    public float? NoiseW { get; set; }
}

[JsonSerializable(typeof(PiperConfigJson))]
[JsonSourceGenerationOptions(ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
internal sealed partial class PiperJsonContext : JsonSerializerContext;
