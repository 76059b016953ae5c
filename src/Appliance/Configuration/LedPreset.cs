using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Configuration;

/// <summary>Ready-made LED settings for common boards.</summary>
public enum LedPreset
{
    /// <summary>No preset: every field from the file.</summary>
    Custom,

    /// <summary>ReSpeaker 2-Mic Pi HAT: 3 APA102 on /dev/spidev0.1.</summary>
    Respeaker2Mic,

    /// <summary>ReSpeaker 4-Mic Array for Pi: 12 APA102 on /dev/spidev0.1, power on GPIO 5.</summary>
    Respeaker4Mic,
}
