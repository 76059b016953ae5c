namespace VoiceAppliance.Device.Gpio;

/// <summary>Bias of an input line.</summary>
public enum GpioBias
{
    /// <summary>Leave the bias as the firmware set it.</summary>
    AsIs,

    /// <summary>No pull resistor.</summary>
    Disabled,

    /// <summary>Internal pull-up (a button to ground, usually with active-low).</summary>
    PullUp,

    /// <summary>Internal pull-down (a button to 3.3 V).</summary>
    PullDown,
}
