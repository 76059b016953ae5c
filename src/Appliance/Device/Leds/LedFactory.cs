using VoiceAppliance.Configuration;
using VoiceAppliance.Device.Gpio;

namespace VoiceAppliance.Device.Leds;

/// <summary>Builds the LED strip the <c>Leds</c> section describes.</summary>
public static class LedFactory
{
    /// <summary>
    /// The strip for <paramref name="options"/>, or null when <see cref="LedKind.None"/>. The SPI device comes
    /// from <paramref name="openSpi"/> (default: <see cref="SpidevDevice"/>), so tests pass a fake.
    /// </summary>
    public static ILedStrip? Create(LedOptions options, GpioOptions gpio, IGpioDriver driver, Func<string, uint, ISpiDevice>? openSpi = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(driver);
        switch (options.Kind)
        {
            case LedKind.Apa102:
                var spi = (openSpi ?? ((path, hz) => new SpidevDevice(path, hz)))(options.SpiDevice, (uint)options.SpiSpeedHz);
                IGpioOutput? power = null;
                try
                {
                    if (options.PowerLine is { } line)
                    {
                        power = driver.OpenOutput(new GpioLineAddress(gpio.Chip, line), options.PowerActiveLow, initialActive: false);
                    }

                    return new Apa102Strip(spi, options.Count, (byte)options.Brightness, power);
                }
                catch
                {
                    power?.Dispose();
                    spi.Dispose();
                    throw;
                }

            case LedKind.Gpio:
                var lines = new List<IGpioOutput>();
                try
                {
                    foreach (var l in options.GpioLines)
                    {
                        lines.Add(driver.OpenOutput(new GpioLineAddress(gpio.Chip, l), activeLow: false, initialActive: false));
                    }

                    return new GpioLedStrip(lines);
                }
                catch
                {
                    lines.ForEach(l => l.Dispose());
                    throw;
                }

            default:
                return null;
        }
    }
}
