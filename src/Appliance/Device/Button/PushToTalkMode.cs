using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Button;

/// <summary>How the button starts and ends listening.</summary>
public enum PushToTalkMode
{
    /// <summary>Listen while held; release ends the turn.</summary>
    Hold,

    /// <summary>A tap toggles listening (endpointing ends the turn otherwise).</summary>
    Tap,

    /// <summary>Both: a press starts listening at once; a hold ends at release, a tap leaves the turn to
    /// endpointing; a press while listening ends the turn.</summary>
    HoldOrTap,
}
