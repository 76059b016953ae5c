using System.Globalization;

namespace VoiceAppliance.Device.Leds;

/// <summary>An 8-bit RGB colour.</summary>
/// <param name="R">Red.</param>
/// <param name="G">Green.</param>
/// <param name="B">Blue.</param>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>All channels off.</summary>
    public static Rgb Off => default;

    /// <summary>True when every channel is zero.</summary>
    public bool IsOff => R == 0 && G == 0 && B == 0;

    /// <summary>The colour scaled by <paramref name="intensity"/> (clamped to 0..1), rounded.</summary>
    public Rgb Scale(float intensity)
    {
        var k = Math.Clamp(intensity, 0f, 1f);
        return new Rgb((byte)MathF.Round(R * k), (byte)MathF.Round(G * k), (byte)MathF.Round(B * k));
    }

    /// <summary>Parses <c>#RRGGBB</c> or <c>RRGGBB</c>; false on anything else.</summary>
    public static bool TryParse(string? text, out Rgb color)
    {
        color = default;
        var s = text.AsSpan().Trim();
        if (s.StartsWith("#"))
        {
            s = s[1..];
        }

        if (s.Length != 6 || !uint.TryParse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v))
        {
            return false;
        }

        color = new Rgb((byte)(v >> 16), (byte)(v >> 8), (byte)v);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"#{R:X2}{G:X2}{B:X2}");
}
