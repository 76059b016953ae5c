using System.Device.Spi;
using System.Globalization;
using VoiceAppliance.Configuration;
using VoiceAppliance.Device.Gpio;

namespace VoiceAppliance.Device.Leds;

/// <summary>Builds the LED strip the <c>Leds</c> section describes.</summary>
public static class LedFactory
{
    /// <summary>
    /// The strip for <paramref name="options"/>, or null when <see cref="LedKind.None"/>. The SPI device comes
    /// from <paramref name="openSpi"/> (default: <see cref="OpenSpi"/>, System.Device.Gpio's spidev device), so
    /// tests pass their own <see cref="SpiDevice"/>.
    /// </summary>
    /// <exception cref="DeviceIOException">The device, chip or a line is missing or busy; the message names it and the fix.</exception>
    public static ILedStrip? Create(LedOptions options, GpioOptions gpio, GpioChips chips, Func<SpiConnectionSettings, SpiDevice>? openSpi = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(chips);
        switch (options.Kind)
        {
            case LedKind.Apa102:
                var settings = SpiSettings(options.SpiDevice, options.SpiSpeedHz);
                GpioOutputLine? power = null;
                SpiDevice? spi = null;
                try
                {
                    if (options.PowerLine is { } line)
                    {
                        power = GpioOutputLine.Open(chips, gpio.Chip, line, options.PowerActiveLow, initialActive: false);
                    }

                    spi = (openSpi ?? OpenSpi)(settings);
                    return new Apa102Strip(spi, options.Count, (byte)options.Brightness, power);
                }
                catch
                {
                    // Apa102Strip releases both when its own constructor fails; these run only when it never ran
                    power?.Dispose();
                    spi?.Dispose();
                    throw;
                }

            case LedKind.Gpio:
                var lines = new List<GpioOutputLine>();
                try
                {
                    foreach (var l in options.GpioLines)
                    {
                        lines.Add(GpioOutputLine.Open(chips, gpio.Chip, l, activeLow: false, initialActive: false));
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

    /// <summary>
    /// The SPI settings for an spidev node <c>/dev/spidevB.C</c> (bus B, chip select C): mode 0, 8-bit words.
    /// </summary>
    /// <exception cref="DeviceIOException">The path is not an spidev node name.</exception>
    public static SpiConnectionSettings SpiSettings(string devicePath, int clockHz)
    {
        ArgumentNullException.ThrowIfNull(devicePath);
        const string prefix = "/dev/spidev";
        var parts = devicePath.StartsWith(prefix, StringComparison.Ordinal) ? devicePath[prefix.Length..].Split('.') : [];
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var bus)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var chipSelect))
        {
            throw new DeviceIOException($"Leds:SpiDevice '{devicePath}' is not an spidev node; expected /dev/spidevB.C (ReSpeaker HATs: /dev/spidev0.1).");
        }

        return new SpiConnectionSettings(bus, chipSelect) { ClockFrequency = clockHz, Mode = SpiMode.Mode0, DataBitLength = 8 };
    }

    /// <summary>
    /// Opens the spidev node of <paramref name="settings"/> through <see cref="SpiDevice.Create"/>; a missing node is a
    /// clear error (SPI not enabled), an inaccessible one names the group to join.
    /// </summary>
    public static SpiDevice OpenSpi(SpiConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var path = Apa102Strip.DevicePath(settings);
        if (!File.Exists(path))
        {
            throw new DeviceIOException($"{path} does not exist: SPI is not enabled. Add dtparam=spi=on to /boot/firmware/config.txt and reboot (the ReSpeaker HATs' LEDs are on {path.Replace("/dev/", string.Empty, StringComparison.Ordinal)} when it is).");
        }

        try
        {
            // SpiDevice opens the node lazily at the first transfer; opening it here turns a permission problem into
            // a clear error now rather than a failed frame later.
            using (File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            {
            }
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DeviceIOException($"{path}: permission denied. Add the service user to the 'spi' group (the systemd unit does: SupplementaryGroups=spi).", ex);
        }

        return SpiDevice.Create(settings);
    }
}
