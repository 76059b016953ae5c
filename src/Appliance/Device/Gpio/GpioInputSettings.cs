namespace VoiceAppliance.Device.Gpio;

/// <summary>How an input line is requested.</summary>
/// <param name="Bias">Pull-up, pull-down or none.</param>
/// <param name="ActiveLow">True when the line reads low while active (a button to ground).</param>
/// <param name="Debounce">Kernel debounce period (zero for none).</param>
public sealed record GpioInputSettings(GpioBias Bias, bool ActiveLow, TimeSpan Debounce);
