using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Mqtt;

/// <summary>The appliance state, published retained on <c>&lt;base&gt;/state</c> whenever it changes.</summary>
public sealed record ApplianceStatus
{
    /// <summary>The pipeline state.</summary>
    public PipelineState State { get; init; } = PipelineState.Idle;

    /// <summary>Microphone muted.</summary>
    public bool Muted { get; init; }

    /// <summary>Output volume 0..100.</summary>
    public int Volume { get; init; } = 100;

    /// <summary>Versions of the appliance and its engines/libraries (name -> version).</summary>
    public IReadOnlyDictionary<string, string>? Versions { get; init; }
}
