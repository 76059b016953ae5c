namespace VoiceAppliance.Device.Leds;

/// <summary>
/// An spidev node (<c>/dev/spidevB.C</c>): mode 0, 8 bits per word, one <c>SPI_IOC_MESSAGE(1)</c> transfer per
/// write. The device node comes from the kernel's spidev driver (enable SPI with <c>dtparam=spi=on</c>).
/// </summary>
public sealed class SpidevDevice : ISpiDevice
{
    private readonly FileDescriptorSafeHandle _fd;
    private readonly string _path;
    private readonly uint _speedHz;

    /// <summary>Opens and configures the device.</summary>
    public unsafe SpidevDevice(string path, uint speedHz = 8_000_000)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = path;
        _speedHz = speedHz;
        _fd = Gpio.ChardevGpioDriver.OpenDevice(path, Interop.Libc.O_RDWR);
        try
        {
            byte mode = 0;
            byte bits = 8;
            var speed = speedHz;
            if (Interop.Libc.ioctl(_fd.Fd, Interop.Spi.SPI_IOC_WR_MODE, &mode) < 0)
            {
                throw DeviceIOException.FromLastError(path, "SPI_IOC_WR_MODE");
            }

            if (Interop.Libc.ioctl(_fd.Fd, Interop.Spi.SPI_IOC_WR_BITS_PER_WORD, &bits) < 0)
            {
                throw DeviceIOException.FromLastError(path, "SPI_IOC_WR_BITS_PER_WORD");
            }

            if (Interop.Libc.ioctl(_fd.Fd, Interop.Spi.SPI_IOC_WR_MAX_SPEED_HZ, &speed) < 0)
            {
                throw DeviceIOException.FromLastError(path, "SPI_IOC_WR_MAX_SPEED_HZ");
            }
        }
        catch
        {
            _fd.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public unsafe void Write(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var transfer = new Interop.Spi.spi_ioc_transfer
            {
                tx_buf = (ulong)p,
                len = (uint)data.Length,
                speed_hz = _speedHz,
                bits_per_word = 8,
            };
            if (Interop.Libc.ioctl(_fd.Fd, Interop.Spi.SPI_IOC_MESSAGE_1, &transfer) < 0)
            {
                throw DeviceIOException.FromLastError(_path, "SPI_IOC_MESSAGE(1)");
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _fd.Dispose();
}
