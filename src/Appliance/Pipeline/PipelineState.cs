namespace VoiceAppliance.Pipeline;

/// <summary>The states of the voice pipeline. LEDs, MQTT and logs follow these through state events.</summary>
public enum PipelineState
{
    /// <summary>Waiting for a trigger.</summary>
    Idle,

    /// <summary>Recording the user's speech.</summary>
    Listening,

    /// <summary>Speech ended; speech-to-text is running.</summary>
    Transcribing,

    /// <summary>The workflow is producing the reply.</summary>
    Thinking,

    /// <summary>The reply is being played.</summary>
    Speaking,

    /// <summary>The microphone is muted; triggers other than unmute are ignored.</summary>
    Muted,

    /// <summary>A device, engine or model failed; the pipeline is recovering.</summary>
    Error,
}
