using VoiceAppliance.Device.Gpio;

namespace VoiceAppliance.Device.Leds;

/// <summary>
/// Plain on/off LEDs on GPIO output lines (System.Device.Gpio), one line per LED. A LED is on when the brightest
/// channel of its colour reaches <see cref="Threshold"/>, so pulses become blinks and dim idle colours stay off.
/// Writes only the lines whose state changes.
/// </summary>
public sealed class GpioLedStrip : ILedStrip
{
    private readonly GpioOutputLine[] _lines;
    private readonly bool[] _state;

    /// <summary>Creates the strip over already-requested output lines (owned; all switched off now).</summary>
    public GpioLedStrip(IReadOnlyList<GpioOutputLine> lines, byte threshold = 96)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0)
        {
            throw new ArgumentException("at least one LED line is needed", nameof(lines));
        }

        _lines = [.. lines];
        _state = new bool[_lines.Length];
        Threshold = threshold;
        foreach (var line in _lines)
        {
            line.Write(false);
        }
    }

    /// <summary>Channel level from which a LED is on.</summary>
    public byte Threshold { get; }

    /// <inheritdoc/>
    public int Count => _lines.Length;

    /// <inheritdoc/>
    public void Show(ReadOnlySpan<Rgb> colors)
    {
        for (var i = 0; i < _lines.Length && i < colors.Length; i++)
        {
            var c = colors[i];
            var on = Math.Max(c.R, Math.Max(c.G, c.B)) >= Threshold;
            if (on != _state[i])
            {
                _lines[i].Write(on);
                _state[i] = on;
            }
        }
    }

    /// <summary>Switches the LEDs off and releases the lines.</summary>
    public void Dispose()
    {
        foreach (var line in _lines)
        {
            line.Dispose();
        }
    }
}
