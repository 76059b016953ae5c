using System.Globalization;
using System.Text;
using System.Text.Json;
using VoiceAppliance.Models.Onnx;

namespace VoiceAppliance.Models.Piper;

/// <summary>Where to load a Piper voice from and how to run it.</summary>
public sealed record PiperVoiceOptions
{
    /// <summary>espeak-ng-data folder to use; null picks the voice's own when readable, else the installed data.</summary>
    public string? EspeakDataPath { get; init; }

    /// <summary>
    /// Session options; default one intra-op thread (set more on a Pi with idle cores) and no memory arena: Piper's
    /// activations grow with the sentence, and an arena would keep the largest sentence's (~45 MB here) for good.
    /// Synthesis time is the same either way (bench models).
    /// </summary>
    public OnnxSessionOptions Session { get; init; } = new() { IntraOpThreads = 1, MemoryArena = false };
}
