using VoiceAppliance.Device.Gpio;

namespace VoiceAppliance.Device.Leds;

/// <summary>
/// APA102 / SK9822 RGB LEDs over SPI: a start frame of 32 zero bits, per LED <c>0xE0 | brightness</c> then blue,
/// green, red, and an end frame. The end frame is 4 zero bytes (SK9822 latches on it) plus one byte per 16 LEDs
/// (APA102 needs n/2 extra clock edges to push the last data through), so one encoding drives both chips.
/// ReSpeaker 2-Mic HAT: 3 LEDs; 4-Mic Array: 12, with LED power on a GPIO line (GPIO 5).
/// The frame buffer is allocated once; <see cref="Show"/> allocates nothing.
/// </summary>
public sealed class Apa102Strip : ILedStrip
{
    private readonly ISpiDevice _spi;
    private readonly IGpioOutput? _power;
    private readonly byte[] _frame;
    private readonly byte _brightness;

    /// <summary>Creates the strip and switches the LED power on.</summary>
    /// <param name="spi">The SPI device.</param>
    /// <param name="count">Number of LEDs (1..1024).</param>
    /// <param name="globalBrightness">The 5-bit global brightness (0..31) sent with every LED.</param>
    /// <param name="power">Optional output gating LED power; driven active now and inactive on dispose.</param>
    public Apa102Strip(ISpiDevice spi, int count, byte globalBrightness = 31, IGpioOutput? power = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1024);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(globalBrightness, (byte)31);
        _spi = spi ?? throw new ArgumentNullException(nameof(spi));
        _power = power;
        _brightness = globalBrightness;
        Count = count;
        _frame = new byte[FrameLength(count)];
        _power?.Write(true);
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>Bytes in one frame for <paramref name="count"/> LEDs.</summary>
    public static int FrameLength(int count) => 4 + (4 * count) + 4 + ((count + 15) / 16);

    /// <summary>Encodes one frame into <paramref name="frame"/> (of <see cref="FrameLength"/> bytes).</summary>
    public static void Encode(ReadOnlySpan<Rgb> colors, byte globalBrightness, Span<byte> frame)
    {
        if (frame.Length != FrameLength(colors.Length))
        {
            throw new ArgumentException($"frame must be {FrameLength(colors.Length)} bytes for {colors.Length} LEDs", nameof(frame));
        }

        frame.Clear();
        var header = (byte)(0xE0 | (globalBrightness & 0x1F));
        for (var i = 0; i < colors.Length; i++)
        {
            var o = 4 + (4 * i);
            frame[o] = header;
            frame[o + 1] = colors[i].B;
            frame[o + 2] = colors[i].G;
            frame[o + 3] = colors[i].R;
        }
    }

    /// <inheritdoc/>
    public void Show(ReadOnlySpan<Rgb> colors)
    {
        if (colors.Length != Count)
        {
            throw new ArgumentException($"expected {Count} colours, got {colors.Length}", nameof(colors));
        }

        Encode(colors, _brightness, _frame);
        _spi.Write(_frame);
    }

    /// <summary>Turns the LEDs off, cuts their power and closes the device.</summary>
    public void Dispose()
    {
        try
        {
            Array.Clear(_frame);
            for (var i = 0; i < Count; i++)
            {
                _frame[4 + (4 * i)] = 0xE0;
            }

            _spi.Write(_frame);
        }
        catch (IOException)
        {
            // the device is gone; nothing to switch off
        }

        _power?.Write(false);
        _power?.Dispose();
        _spi.Dispose();
    }
}
