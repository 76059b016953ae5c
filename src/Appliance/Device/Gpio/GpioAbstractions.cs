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

/// <summary>A logical edge: <see cref="Rising"/> is inactive to active (active-low already applied).</summary>
public enum GpioEdge
{
    /// <summary>Inactive to active (a button press).</summary>
    Rising,

    /// <summary>Active to inactive (a button release).</summary>
    Falling,
}

/// <summary>One edge read from a line, with the kernel's monotonic timestamp.</summary>
/// <param name="Edge">Which edge.</param>
/// <param name="TimestampNs">Kernel timestamp in nanoseconds (CLOCK_MONOTONIC unless configured otherwise).</param>
/// <param name="Offset">The line offset on its chip.</param>
/// <param name="Sequence">The line's event sequence number; a gap means the kernel buffer overflowed.</param>
public readonly record struct GpioEdgeEvent(GpioEdge Edge, ulong TimestampNs, uint Offset, uint Sequence);

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

/// <summary>How an input line is requested.</summary>
/// <param name="Bias">Pull-up, pull-down or none.</param>
/// <param name="ActiveLow">True when the line reads low while active (a button to ground).</param>
/// <param name="Debounce">Kernel debounce period (zero for none).</param>
public sealed record GpioInputSettings(GpioBias Bias, bool ActiveLow, TimeSpan Debounce);

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

/// <summary>A requested input line.</summary>
public interface IGpioInput : IDisposable
{
    /// <summary>The logical value (true = active).</summary>
    bool Read();

    /// <summary>
    /// Blocks until an edge arrives or <paramref name="timeout"/> passes; returns false on timeout. Call from
    /// a dedicated thread (see <see cref="GpioEdgeMonitor"/>).
    /// </summary>
    bool WaitForEdge(TimeSpan timeout, out GpioEdgeEvent edge);
}

/// <summary>A requested output line.</summary>
public interface IGpioOutput : IDisposable
{
    /// <summary>Drives the line to its active (true) or inactive level.</summary>
    void Write(bool active);
}
