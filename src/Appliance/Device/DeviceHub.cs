using System.Device.Spi;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Configuration;
using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device;

/// <summary>
/// The appliance's physical front panel, built from configuration: the push-to-talk button (when
/// <c>Button:Enabled</c>) and the LEDs (when <c>Leds:Kind</c> is not none). The daemon forwards pipeline state
/// events to <see cref="OnStateChanged"/> and mic levels to <see cref="OnLevel"/>, and subscribes to
/// <see cref="Command"/> (pipeline) and <see cref="Gesture"/> (MQTT). LEDs that cannot be opened at start
/// (SPI disabled, HAT missing, line busy) are logged with the fix and left out; the appliance runs on without them.
/// It owns the <see cref="GpioChips"/> it is given and closes them on dispose.
/// </summary>
public sealed partial class DeviceHub : IDisposable
{
    private readonly ILogger _logger;
    private readonly ILedStrip? _strip;
    private readonly GpioChips _chips;

    private DeviceHub(GpioChips chips, ButtonService? button, ILedStrip? strip, LedController? leds, ILogger logger)
    {
        _chips = chips;
        Button = button;
        _strip = strip;
        Leds = leds;
        _logger = logger;
        if (button is not null)
        {
            button.Command += c => Command?.Invoke(c);
            button.Gesture += e => Gesture?.Invoke(e);
        }

        if (leds is not null)
        {
            leds.Faulted += ex => LogLedFault(_logger, ex);
        }
    }

    /// <summary>Button commands for the pipeline.</summary>
    public event Action<ButtonCommand>? Command;

    /// <summary>Button gestures (for MQTT events).</summary>
    public event Action<ButtonEvent>? Gesture;

    /// <summary>The button, when configured.</summary>
    public ButtonService? Button { get; }

    /// <summary>The LEDs, when configured and present.</summary>
    public LedController? Leds { get; }

    /// <summary>False while a configured button line is not open (the watchdog predicate may include this).</summary>
    public bool IsHealthy => Button?.IsHealthy ?? true;

    /// <summary>Builds the panel; <paramref name="openSpi"/> replaces <see cref="LedFactory.OpenSpi"/> in tests.</summary>
    public static DeviceHub Create(LoadedConfiguration configuration, GpioChips chips, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null, Func<SpiConnectionSettings, SpiDevice>? openSpi = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(chips);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        var logger = factory.CreateLogger<DeviceHub>();
        ButtonService? button = configuration.Button.Enabled
            ? new ButtonService(chips, configuration.Gpio, configuration.Button, timeProvider, factory.CreateLogger<ButtonService>())
            : null;
        ILedStrip? strip = null;
        LedController? leds = null;
        try
        {
            strip = LedFactory.Create(configuration.Leds, configuration.Gpio, chips, openSpi);
            if (strip is not null)
            {
                leds = new LedController(strip, configuration.Leds.Patterns, timeProvider, configuration.Leds.FrameInterval);
            }
        }
        catch (IOException ex)
        {
            LogLedsUnavailable(logger, configuration.Leds.Kind, ex.Message, ex);
            strip?.Dispose();
            strip = null;
        }

        return new DeviceHub(chips, button, strip, leds, logger);
    }

    /// <summary>Starts watching the button.</summary>
    public void Start() => Button?.Start();

    /// <summary>Forwards a pipeline state change to the LEDs and the button logic.</summary>
    public void OnStateChanged(PipelineState state)
    {
        Button?.OnStateChanged(state);
        Leds?.OnStateChanged(state);
    }

    /// <summary>Forwards the mic level (0..1) to the LEDs; allocation-free, call per audio block.</summary>
    public void OnLevel(float level) => Leds?.OnLevel(level);

    /// <summary>Stops the button thread, switches the LEDs off and releases the lines and devices.</summary>
    public void Dispose()
    {
        Button?.Dispose();
        Leds?.Dispose();
        _strip?.Dispose();
        _chips.Dispose();
    }

    [LoggerMessage(EventId = 811, Level = LogLevel.Warning, Message = "LEDs ({Kind}) unavailable, running without them: {Reason}")]
    private static partial void LogLedsUnavailable(ILogger logger, LedKind kind, string reason, Exception error);

    [LoggerMessage(EventId = 812, Level = LogLevel.Warning, Message = "LED frame could not be written; retrying on the next frame")]
    private static partial void LogLedFault(ILogger logger, Exception error);
}
