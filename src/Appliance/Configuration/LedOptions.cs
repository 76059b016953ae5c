using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Configuration;

/// <summary>Section <c>Leds</c>.</summary>
/// <param name="Kind">None, GPIO LEDs or APA102.</param>
/// <param name="SpiDevice">spidev node for APA102.</param>
/// <param name="SpiSpeedHz">SPI clock.</param>
/// <param name="Count">Number of APA102 LEDs.</param>
/// <param name="Brightness">APA102 global brightness, 0..31.</param>
/// <param name="PowerLine">GPIO line that switches LED power (null: none).</param>
/// <param name="PowerActiveLow">True when the power line is active-low.</param>
/// <param name="GpioLines">For <see cref="LedKind.Gpio"/>: one line per LED.</param>
/// <param name="Patterns">The pattern for each pipeline state.</param>
/// <param name="FrameInterval">Animation frame interval.</param>
public sealed record LedOptions(
    LedKind Kind,
    string SpiDevice,
    int SpiSpeedHz,
    int Count,
    int Brightness,
    string? PowerLine,
    bool PowerActiveLow,
    IReadOnlyList<string> GpioLines,
    LedPatternSet Patterns,
    TimeSpan FrameInterval)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Leds";

    /// <summary>Reads and validates the section (a <c>Preset</c> supplies the defaults of the other keys).</summary>
    public static LedOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var preset = r.GetEnum("Preset", LedPreset.Custom);
        var (kind, count, power) = preset switch
        {
            LedPreset.Respeaker2Mic => (LedKind.Apa102, 3, (string?)null),
            LedPreset.Respeaker4Mic => (LedKind.Apa102, 12, "5"),
            _ => (LedKind.None, 3, null),
        };
        kind = r.GetEnum("Kind", kind);
        var lines = r.GetStringList("GpioLines", []);
        if (kind == LedKind.Gpio && lines.Count == 0)
        {
            r.Error("GpioLines", "Kind is 'gpio' but no lines are listed; give one line per LED, e.g. [\"24\", \"25\"].");
        }

        var overrides = new Dictionary<PipelineState, LedPattern>();
        foreach (var state in Enum.GetValues<PipelineState>())
        {
            var section = r.Section("Patterns").Section(state.ToString());
            var builtIn = LedPatternSet.DefaultFor(state);
            var effect = section.GetEnum("Effect", builtIn.Effect);
            var colorText = section.GetOptionalString("Color");
            var color = builtIn.Color;
            if (colorText is not null && !Rgb.TryParse(colorText, out color))
            {
                section.Error("Color", $"'{colorText}' is not a colour; expected #RRGGBB, e.g. #0000FF.");
                color = builtIn.Color;
            }

            var period = section.GetMilliseconds("PeriodMs", builtIn.Period, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60));
            var min = (float)section.GetDouble("MinIntensity", builtIn.MinIntensity, 0, 1);
            overrides[state] = new LedPattern(effect, color, period, min);
        }

        return new LedOptions(
            kind,
            r.GetString("SpiDevice", "/dev/spidev0.1"),
            r.GetInt("SpiSpeedHz", 8_000_000, 100_000, 32_000_000),
            r.GetInt("Count", count, 1, 1024),
            r.GetInt("Brightness", 16, 0, 31),
            r.Has("PowerLine") ? r.GetOptionalString("PowerLine") : power,
            r.GetBool("PowerActiveLow", false),
            lines,
            new LedPatternSet(overrides),
            r.GetMilliseconds("FrameMs", TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1)));
    }
}
