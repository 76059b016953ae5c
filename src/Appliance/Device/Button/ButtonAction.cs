using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Button;

/// <summary>What a long press or double press does.</summary>
public enum ButtonAction
{
    /// <summary>Nothing (the gesture is still reported as an event).</summary>
    None,

    /// <summary>Mute or unmute the microphone.</summary>
    ToggleMute,

    /// <summary>Cancel the current session (stop speaking / abort listening).</summary>
    Cancel,
}
