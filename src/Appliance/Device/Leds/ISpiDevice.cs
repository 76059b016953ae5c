using System.Globalization;

namespace VoiceAppliance.Device.Leds;

/// <summary>A write-only SPI device (the SPI driver seam); the real one is <see cref="SpidevDevice"/>.</summary>
public interface ISpiDevice : IDisposable
{
    /// <summary>Clocks <paramref name="data"/> out in one transfer.</summary>
    void Write(ReadOnlySpan<byte> data);
}
