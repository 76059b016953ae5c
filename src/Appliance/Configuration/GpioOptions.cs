using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Configuration;

/// <summary>Section <c>Gpio</c>: which GPIO chip the header lines are on.</summary>
/// <param name="Chip">Chip path, kernel name, label (<c>pinctrl-rp1</c> on a Pi 5) or <c>auto</c> (the Pi header chip).</param>
/// <param name="Consumer">The name <c>gpioinfo</c> shows for lines this daemon holds.</param>
public sealed record GpioOptions(string Chip, string Consumer)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Gpio";

    /// <summary>Reads and validates the section.</summary>
    public static GpioOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new GpioOptions(r.GetString("Chip", "auto"), r.GetString("Consumer", "appliance"));
    }
}
