using System.Globalization;

namespace VoiceAppliance.Pipeline;

/// <summary>Endpointing presets (Home Assistant's figures for silence to end).</summary>
public enum EndpointingPreset
{
    /// <summary>0.7 s of silence ends the utterance.</summary>
    Default,

    /// <summary>1.25 s: for people who pause while speaking.</summary>
    Relaxed,

    /// <summary>0.25 s: snappy short commands.</summary>
    Aggressive,
}
