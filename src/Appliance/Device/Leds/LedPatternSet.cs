using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Leds;

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
