using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Configuration;

/// <summary>Section <c>Gpio</c>: which GPIO chip the header lines are on.</summary>
/// <param name="Chip">Chip path, kernel name, label (<c>pinctrl-rp1</c> on a Pi 5) or <c>auto</c> (the Pi header chip).</param>
/// <param name="Consumer">The name <c>gpioinfo</c> shows for lines this daemon holds.</param>
public sealed record GpioOptions(string Chip, string Consumer)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Gpio";

    /// <summary>Reads and validates the section.</summary>
    public static GpioOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new GpioOptions(r.GetString("Chip", "auto"), r.GetString("Consumer", "appliance"));
    }
}

/// <summary>Section <c>Button</c>: the push-to-talk button.</summary>
/// <param name="Enabled">False: no button.</param>
/// <param name="Line">Line offset or name (ReSpeaker 2-Mic HAT button: 17).</param>
/// <param name="Chip">Chip of this line; null uses <see cref="GpioOptions.Chip"/>.</param>
/// <param name="Bias">Pull resistor.</param>
/// <param name="ActiveLow">True when the button pulls the line to ground.</param>
/// <param name="Mode">Push-to-talk mode.</param>
/// <param name="Timings">Debounce, hold, long-press and double-press timing.</param>
/// <param name="LongPressAction">What a long press does.</param>
/// <param name="DoublePressAction">What a double press does.</param>
public sealed record ButtonOptions(
    bool Enabled,
    string Line,
    string? Chip,
    GpioBias Bias,
    bool ActiveLow,
    PushToTalkMode Mode,
    ButtonTimings Timings,
    ButtonAction LongPressAction,
    ButtonAction DoublePressAction)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Button";

    /// <summary>The line address, with the chip resolved against the <c>Gpio</c> section.</summary>
    public GpioLineAddress Address(GpioOptions gpio)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        return new GpioLineAddress(Chip ?? gpio.Chip, Line);
    }

    /// <summary>The input settings for the driver (kernel debounce = the software debounce).</summary>
    public GpioInputSettings InputSettings => new(Bias, ActiveLow, Timings.Debounce);

    /// <summary>Reads and validates the section.</summary>
    public static ButtonOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var d = ButtonTimings.Default;
        var timings = new ButtonTimings(
            r.GetMilliseconds("DebounceMs", d.Debounce, TimeSpan.Zero, TimeSpan.FromMilliseconds(500)),
            r.GetMilliseconds("HoldMs", d.HoldThreshold, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5)),
            r.GetMilliseconds("LongPressMs", d.LongPress, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30)),
            r.GetMilliseconds("DoublePressMs", d.DoublePressWindow, TimeSpan.Zero, TimeSpan.FromSeconds(2)));
        var options = new ButtonOptions(
            r.GetBool("Enabled", false),
            r.GetString("Line", "17"),
            r.GetOptionalString("Chip"),
            r.GetEnum("Bias", GpioBias.PullUp),
            r.GetBool("ActiveLow", true),
            r.GetEnum("Mode", PushToTalkMode.HoldOrTap),
            timings,
            r.GetEnum("LongPressAction", ButtonAction.ToggleMute),
            r.GetEnum("DoublePressAction", ButtonAction.None));
        if (timings.LongPress <= timings.HoldThreshold)
        {
            r.Error("LongPressMs", $"{timings.LongPress.TotalMilliseconds} ms must be longer than HoldMs ({timings.HoldThreshold.TotalMilliseconds} ms), or every hold would be a long press.");
        }

        return options;
    }
}

/// <summary>The kind of LEDs.</summary>
public enum LedKind
{
    /// <summary>No LEDs.</summary>
    None,

    /// <summary>Plain LEDs on GPIO lines (<see cref="LedOptions.GpioLines"/>).</summary>
    Gpio,

    /// <summary>APA102 / SK9822 RGB LEDs on an spidev device.</summary>
    Apa102,
}

/// <summary>Ready-made LED settings for common boards.</summary>
public enum LedPreset
{
    /// <summary>No preset: every field from the file.</summary>
    Custom,

    /// <summary>ReSpeaker 2-Mic Pi HAT: 3 APA102 on /dev/spidev0.1.</summary>
    Respeaker2Mic,

    /// <summary>ReSpeaker 4-Mic Array for Pi: 12 APA102 on /dev/spidev0.1, power on GPIO 5.</summary>
    Respeaker4Mic,
}

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
