namespace VoiceAppliance.Pipeline;

/// <summary>When a whisper turn transcribes committed windows while the user still speaks (<see cref="SpeculationOptions.Incremental"/>).</summary>
public enum IncrementalSpeculationMode
{
    /// <summary>On where a background decode leaves a core to the audio path: machines with at least 4 CPUs (every Raspberry Pi from the 3 on).</summary>
    Auto,

    /// <summary>Always on for engines that transcribe incrementally (whisper).</summary>
    On,

    /// <summary>Off: whisper transcribes the whole utterance after the endpoint (or in the pause, see <see cref="EarlyEndpointOptions"/>).</summary>
    Off,
}
