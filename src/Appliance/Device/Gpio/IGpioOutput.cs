namespace VoiceAppliance.Device.Gpio;

/// <summary>A requested output line.</summary>
public interface IGpioOutput : IDisposable
{
    /// <summary>Drives the line to its active (true) or inactive level.</summary>
    void Write(bool active);
}
