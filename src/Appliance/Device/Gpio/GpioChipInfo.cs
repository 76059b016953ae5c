using System.Globalization;
using System.Text;
using static VoiceAppliance.Interop.Gpio;

namespace VoiceAppliance.Device.Gpio;

/// <summary>Identity of one GPIO chip as the kernel reports it.</summary>
/// <param name="Path">Device node, e.g. <c>/dev/gpiochip4</c>.</param>
/// <param name="Name">Kernel name, e.g. <c>gpiochip4</c>.</param>
/// <param name="Label">Functional label, e.g. <c>pinctrl-rp1</c>.</param>
/// <param name="Lines">Number of lines.</param>
public sealed record GpioChipInfo(string Path, string Name, string Label, int Lines);
