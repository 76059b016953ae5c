namespace VoiceAppliance.Device.Gpio;

/// <summary>
/// Where a line is: a chip (a path such as <c>/dev/gpiochip0</c>, a kernel name such as <c>gpiochip4</c>, a
/// label such as <c>pinctrl-rp1</c>, or <c>auto</c> for the Raspberry Pi header chip of any Pi model) and a
/// line (an offset such as <c>17</c> or a line name such as <c>GPIO17</c>).
/// </summary>
/// <param name="Chip">Chip path, name, label or <c>auto</c>.</param>
/// <param name="Line">Line offset or name.</param>
public sealed record GpioLineAddress(string Chip, string Line)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Chip}:{Line}";
}
