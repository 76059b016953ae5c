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

    /// <summary>Session options; default one intra-op thread (set more on a Pi with idle cores).</summary>
    public OnnxSessionOptions Session { get; init; } = new() { IntraOpThreads = 1 };
}
