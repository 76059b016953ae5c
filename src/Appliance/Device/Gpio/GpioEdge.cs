namespace VoiceAppliance.Device.Gpio;

/// <summary>A logical edge: <see cref="Rising"/> is inactive to active (active-low already applied).</summary>
public enum GpioEdge
{
    /// <summary>Inactive to active (a button press).</summary>
    Rising,

    /// <summary>Active to inactive (a button release).</summary>
    Falling,
}
