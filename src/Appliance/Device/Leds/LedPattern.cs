using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Leds;

/// <summary>One LED pattern.</summary>
/// <param name="Effect">How it moves.</param>
/// <param name="Color">Its colour at full intensity.</param>
/// <param name="Period">Period of pulse, spin and blink.</param>
/// <param name="MinIntensity">Floor of pulse and level (0..1).</param>
public sealed record LedPattern(LedEffect Effect, Rgb Color, TimeSpan Period, float MinIntensity = 0f)
{
    /// <summary>All off.</summary>
    public static LedPattern Off { get; } = new(LedEffect.Off, Rgb.Off, TimeSpan.FromSeconds(1));

    /// <summary>True when the pattern changes over time (the animation timer runs only then).</summary>
    public bool IsAnimated => Effect is LedEffect.Pulse or LedEffect.Spin or LedEffect.Blink or LedEffect.Level;

    /// <summary>
    /// Renders the pattern at <paramref name="elapsed"/> since it started, with mic level
    /// <paramref name="level"/> (0..1), into <paramref name="leds"/>. Pure and allocation-free.
    /// </summary>
    public void Render(TimeSpan elapsed, float level, Span<Rgb> leds)
    {
        var n = leds.Length;
        var phase = Period > TimeSpan.Zero ? (float)((elapsed.Ticks % Period.Ticks) / (double)Period.Ticks) : 0f;
        switch (Effect)
        {
            case LedEffect.Solid:
                leds.Fill(Color);
                break;
            case LedEffect.Pulse:
                leds.Fill(Color.Scale(MinIntensity + ((1f - MinIntensity) * (0.5f - (0.5f * MathF.Cos(2f * MathF.PI * phase))))));
                break;
            case LedEffect.Blink:
                leds.Fill(phase < 0.5f ? Color : Rgb.Off);
                break;
            case LedEffect.Level:
                leds.Fill(Color.Scale(Math.Max(MinIntensity, Math.Clamp(level, 0f, 1f))));
                break;
            case LedEffect.Spin:
                var head = Math.Min((int)(phase * n), n - 1);
                for (var i = 0; i < n; i++)
                {
                    var behind = (head - i + n) % n;
                    leds[i] = behind switch
                    {
                        0 => Color,
                        1 when n > 2 => Color.Scale(0.35f),
                        2 when n > 5 => Color.Scale(0.1f),
                        _ => Rgb.Off,
                    };
                }

                break;
            default:
                leds.Clear();
                break;
        }
    }
}
