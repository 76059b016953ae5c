using System.Globalization;

namespace VoiceAppliance.Device.Leds;

/// <summary>A row of LEDs that shows one frame at a time (the LED driver seam).</summary>
public interface ILedStrip : IDisposable
{
    /// <summary>Number of LEDs.</summary>
    int Count { get; }

    /// <summary>Shows one frame; <paramref name="colors"/> has <see cref="Count"/> entries.</summary>
    void Show(ReadOnlySpan<Rgb> colors);
}
