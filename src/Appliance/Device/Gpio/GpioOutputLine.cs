using System.Device.Gpio;

namespace VoiceAppliance.Device.Gpio;

/// <summary>
/// One output line on a <see cref="GpioController"/>, written in logical terms (active / inactive, with
/// active-low applied here: System.Device.Gpio drives physical levels). Disposing drives it inactive and closes it.
/// </summary>
public sealed class GpioOutputLine : IDisposable
{
    private readonly GpioController _controller;
    private readonly int _offset;
    private readonly bool _activeLow;
    private bool _disposed;

    private GpioOutputLine(GpioController controller, int offset, bool activeLow)
    {
        _controller = controller;
        _offset = offset;
        _activeLow = activeLow;
    }

    /// <summary>The line offset on its chip.</summary>
    public int Offset => _offset;

    /// <summary>Requests <paramref name="line"/> on chip <paramref name="chip"/> as an output, driven to <paramref name="initialActive"/>.</summary>
    public static GpioOutputLine Open(GpioChips chips, string chip, string line, bool activeLow, bool initialActive)
    {
        ArgumentNullException.ThrowIfNull(chips);
        var (controller, offset) = chips.OpenLine(chip, line, PinMode.Output, Level(initialActive, activeLow));
        return new GpioOutputLine(controller, offset, activeLow);
    }

    /// <summary>Drives the line active (true) or inactive.</summary>
    public void Write(bool active)
    {
        try
        {
            _controller.Write(_offset, Level(active, _activeLow));
        }
        catch (InvalidOperationException ex)
        {
            throw new DeviceIOException($"GPIO line {_offset} could not be written: {ex.Message}", ex);
        }
    }

    /// <summary>Drives the line inactive and releases it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            _controller.Write(_offset, Level(false, _activeLow));
            _controller.ClosePin(_offset);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // the chip is gone or already closed: nothing left to switch off
        }
    }

    private static PinValue Level(bool active, bool activeLow) => active != activeLow ? PinValue.High : PinValue.Low;
}
