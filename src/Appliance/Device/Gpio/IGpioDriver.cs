namespace VoiceAppliance.Device.Gpio;

/// <summary>
/// The driver seam: the real one talks to the kernel (<see cref="ChardevGpioDriver"/>); tests use a fake.
/// </summary>
public interface IGpioDriver
{
    /// <summary>Requests an input line with edge detection on both edges.</summary>
    IGpioInput OpenInput(GpioLineAddress address, GpioInputSettings settings);

    /// <summary>Requests an output line driven to <paramref name="initialActive"/>.</summary>
    IGpioOutput OpenOutput(GpioLineAddress address, bool activeLow, bool initialActive);
}
