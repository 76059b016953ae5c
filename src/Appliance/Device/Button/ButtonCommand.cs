using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Button;

/// <summary>A command from the button to the pipeline.</summary>
public enum ButtonCommand
{
    /// <summary>Start a listening turn now.</summary>
    StartListening,

    /// <summary>End the listening turn now (the speech so far is transcribed).</summary>
    StopListening,

    /// <summary>Start listening when idle, end the turn when listening.</summary>
    ToggleListening,

    /// <summary>Mute when unmuted, unmute when muted.</summary>
    ToggleMute,

    /// <summary>Abort the session without transcribing (and stop any playback).</summary>
    Cancel,
}
