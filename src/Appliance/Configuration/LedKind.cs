using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Configuration;

/// <summary>The kind of LEDs.</summary>
public enum LedKind
{
    /// <summary>No LEDs.</summary>
    None,

    /// <summary>Plain LEDs on GPIO lines (<see cref="LedOptions.GpioLines"/>).</summary>
    Gpio,

    /// <summary>APA102 / SK9822 RGB LEDs on an spidev device.</summary>
    Apa102,
}
