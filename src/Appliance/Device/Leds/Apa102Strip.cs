using System.Device.Spi;
using System.Drawing;
using VoiceAppliance.Device.Gpio;

namespace VoiceAppliance.Device.Leds;

/// <summary>
/// APA102 / SK9822 RGB LEDs (the ReSpeaker HATs' ring) through <see cref="Iot.Device.Apa102.Apa102"/> over an
/// <see cref="SpiDevice"/>. The binding encodes the frame (32 zero bits, per LED <c>0xE0 | brightness</c> then blue,
/// green, red, and 32 one bits); this class maps the project's colours and 5-bit global brightness onto its pixels
/// (brightness travels in the alpha channel) and gates the optional LED power line. ReSpeaker 2-Mic HAT: 3 LEDs;
/// 4-Mic Array: 12, with LED power on GPIO 5. <see cref="Show"/> allocates nothing.
/// </summary>
public sealed class Apa102Strip : ILedStrip
{
    private readonly Iot.Device.Apa102.Apa102 _leds;
    private readonly GpioOutputLine? _power;
    private readonly int _alpha;
    private readonly string _device;

    /// <summary>Creates the strip, switches the LED power on and writes one all-off frame.</summary>
    /// <param name="spi">The SPI device (owned: disposed with the strip).</param>
    /// <param name="count">Number of LEDs (1..1024).</param>
    /// <param name="globalBrightness">The 5-bit global brightness (0..31) sent with every LED.</param>
    /// <param name="power">Optional output gating LED power (owned); driven active now and inactive on dispose.</param>
    /// <exception cref="DeviceIOException">The first frame could not be written; the message names the device and the fix.</exception>
    public Apa102Strip(SpiDevice spi, int count, byte globalBrightness = 31, GpioOutputLine? power = null)
    {
        ArgumentNullException.ThrowIfNull(spi);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1024);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(globalBrightness, (byte)31);
        _device = DevicePath(spi.ConnectionSettings);
        _leds = new Iot.Device.Apa102.Apa102(spi, count);
        _power = power;
        _alpha = globalBrightness << 3; // the binding sends alpha >> 3 as the 5-bit brightness
        Count = count;
        try
        {
            _power?.Write(true);
            Show(new Rgb[count]);
        }
        catch
        {
            _power?.Dispose();
            _leds.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>The spidev node of <paramref name="settings"/> (<c>/dev/spidevB.C</c>).</summary>
    public static string DevicePath(SpiConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return $"/dev/spidev{settings.BusId}.{settings.ChipSelectLine}";
    }

    /// <inheritdoc/>
    public void Show(ReadOnlySpan<Rgb> colors)
    {
        if (colors.Length != Count)
        {
            throw new ArgumentException($"expected {Count} colours, got {colors.Length}", nameof(colors));
        }

        var pixels = _leds.Pixels;
        for (var i = 0; i < colors.Length; i++)
        {
            pixels[i] = Color.FromArgb(_alpha, colors[i].R, colors[i].G, colors[i].B);
        }

        try
        {
            _leds.Flush();
        }
        catch (IOException ex)
        {
            throw new DeviceIOException($"{_device}: writing the LED frame failed: {ex.Message}. Enable SPI (dtparam=spi=on in /boot/firmware/config.txt, then reboot) and add the service user to the 'spi' group.", ex);
        }
    }

    /// <summary>Turns the LEDs off, cuts their power and closes the device.</summary>
    public void Dispose()
    {
        try
        {
            _leds.Pixels.Clear();
            _leds.Flush();
        }
        catch (IOException)
        {
            // the device is gone; nothing to switch off
        }

        _power?.Dispose();
        _leds.Dispose();
    }
}
