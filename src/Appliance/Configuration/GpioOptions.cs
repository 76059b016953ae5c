namespace VoiceAppliance.Configuration;

/// <summary>Section <c>Gpio</c>: which GPIO chip the header lines are on.</summary>
/// <param name="Chip">Chip label (<c>pinctrl-rp1</c> on a Pi 5), kernel name (<c>gpiochip0</c>), path or <c>auto</c> (the Pi header chip).</param>
public sealed record GpioOptions(string Chip)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Gpio";

    /// <summary>Reads and validates the section.</summary>
    public static GpioOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new GpioOptions(r.GetString("Chip", "auto"));
    }
}
