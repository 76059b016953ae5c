namespace VoiceAppliance.Device.Button;

/// <summary>What the button did.</summary>
public enum ButtonGesture
{
    /// <summary>Went down (after debounce).</summary>
    Pressed,

    /// <summary>Went up (after debounce); <see cref="ButtonEvent.HeldFor"/> says for how long.</summary>
    Released,

    /// <summary>A short press and release (shorter than the hold threshold), not part of a double press.</summary>
    Tap,

    /// <summary>A second press that began within the double-press window after a tap.</summary>
    DoublePress,

    /// <summary>Held down for the long-press time (raised while still held).</summary>
    LongPress,
}
