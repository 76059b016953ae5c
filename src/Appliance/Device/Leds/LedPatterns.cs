using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Leds;

/// <summary>How a pattern moves.</summary>
public enum LedEffect
{
    /// <summary>All LEDs off.</summary>
    Off,

    /// <summary>All LEDs the colour, steady.</summary>
    Solid,

    /// <summary>All LEDs breathe between <see cref="LedPattern.MinIntensity"/> and full over one period.</summary>
    Pulse,

    /// <summary>One bright LED with a fading tail goes round once per period.</summary>
    Spin,

    /// <summary>On for the first half of each period, off for the second.</summary>
    Blink,

    /// <summary>Brightness follows the microphone level (never below <see cref="LedPattern.MinIntensity"/>).</summary>
    Level,
}

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

/// <summary>The pattern shown in each pipeline state.</summary>
public sealed class LedPatternSet
{
    private readonly LedPattern[] _byState;

    /// <summary>Creates a set from a map; states it lacks show <see cref="Defaults"/>' pattern.</summary>
    public LedPatternSet(IReadOnlyDictionary<PipelineState, LedPattern>? overrides = null)
    {
        var states = Enum.GetValues<PipelineState>();
        _byState = new LedPattern[states.Length];
        foreach (var s in states)
        {
            _byState[(int)s] = overrides is not null && overrides.TryGetValue(s, out var p) ? p : DefaultFor(s);
        }
    }

    /// <summary>Idle off, listening solid blue, transcribing/thinking spin, speaking green pulse, muted red, error blink.</summary>
    public static LedPatternSet Defaults { get; } = new();

    /// <summary>The pattern for a state.</summary>
    public LedPattern this[PipelineState state] => _byState[(int)state];

    /// <summary>The built-in pattern of a state.</summary>
    public static LedPattern DefaultFor(PipelineState state) => state switch
    {
        PipelineState.Idle => LedPattern.Off,
        PipelineState.Listening => new LedPattern(LedEffect.Solid, new Rgb(0, 0, 255), TimeSpan.FromSeconds(1)),
        PipelineState.Transcribing => new LedPattern(LedEffect.Spin, new Rgb(0, 160, 255), TimeSpan.FromMilliseconds(600)),
        PipelineState.Thinking => new LedPattern(LedEffect.Spin, new Rgb(128, 0, 255), TimeSpan.FromMilliseconds(900)),
        PipelineState.Speaking => new LedPattern(LedEffect.Pulse, new Rgb(0, 255, 64), TimeSpan.FromMilliseconds(1500), 0.3f),
        PipelineState.Muted => new LedPattern(LedEffect.Solid, new Rgb(255, 0, 0), TimeSpan.FromSeconds(1)),
        PipelineState.Error => new LedPattern(LedEffect.Blink, new Rgb(255, 64, 0), TimeSpan.FromSeconds(1)),
        _ => LedPattern.Off,
    };
}
