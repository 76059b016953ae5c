using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Leds;

/// <summary>How a pattern moves.</summary>
public enum LedEffect
{
    /// <summary>All LEDs off.</summary>
    Off,

    /// <summary>All LEDs the colour, steady.</summary>
    Solid,

    /// <summary>All LEDs breathe between <see cref="LedPattern.MinIntensity"/> and full over one period.</summary>
    Pulse,

    /// <summary>One bright LED with a fading tail goes round once per period.</summary>
    Spin,

    /// <summary>On for the first half of each period, off for the second.</summary>
    Blink,

    /// <summary>Brightness follows the microphone level (never below <see cref="LedPattern.MinIntensity"/>).</summary>
    Level,
}
