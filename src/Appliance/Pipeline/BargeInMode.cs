using System.Globalization;

namespace VoiceAppliance.Pipeline;

/// <summary>What the device does when the user talks (or presses the button) while it speaks.</summary>
public enum BargeInMode
{
    /// <summary>The reply always plays to the end; triggers while speaking are ignored (stop still works).</summary>
    Disabled,

    /// <summary>Stop playback at once when speech is confirmed (or on a trigger) and listen.</summary>
    HardCut,

    /// <summary>Fade playback out at the first speech; listen if the speech is confirmed, resume the reply if it stops within the resume window.</summary>
    SoftFade,
}
