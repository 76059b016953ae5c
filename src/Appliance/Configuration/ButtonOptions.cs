using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Configuration;

/// <summary>Section <c>Button</c>: the push-to-talk button.</summary>
/// <param name="Enabled">False: no button.</param>
/// <param name="Line">Line offset, or <c>GPIO</c> and the offset (ReSpeaker 2-Mic HAT button: 17).</param>
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
