using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using VoiceAppliance.Models.Onnx;
using VoiceAppliance.Models.Text;

namespace VoiceAppliance.Models.Piper;

/// <summary>Defaults of a <see cref="PiperTts"/> that requests may override through <see cref="SynthesisOptions"/>.</summary>
public sealed record PiperTtsOptions
{
    /// <summary>Speaker of a multi-speaker voice.</summary>
    public int Speaker { get; init; }

    /// <summary>Speed factor (1 normal); length scale = voice length scale / speed.</summary>
    public float Speed { get; init; } = 1f;

    /// <summary>Silence after each sentence (Piper's default 0.2 s).</summary>
    public TimeSpan SentenceSilence { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Output gain 0-1.</summary>
    public float Volume { get; init; } = 1f;

    /// <summary>Noise scale; null takes the voice's (0.667). 0 makes synthesis deterministic.</summary>
    public float? NoiseScale { get; init; }

    /// <summary>Phoneme duration noise (noise_w); null takes the voice's (0.8). 0 makes durations deterministic.</summary>
    public float? NoiseW { get; init; }
}
