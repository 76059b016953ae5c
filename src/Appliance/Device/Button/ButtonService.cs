using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Configuration;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Button;

/// <summary>
/// The push-to-talk button, assembled: a GPIO input line watched on its own thread
/// (<see cref="GpioEdgeMonitor"/>), debounced gestures (<see cref="ButtonDetector"/>) and their mapping to
/// pipeline commands (<see cref="PushToTalkController"/>). Subscribe to <see cref="Gesture"/> (MQTT events)
/// and <see cref="Command"/> (the pipeline); feed <see cref="OnStateChanged"/> from the pipeline's state events.
/// A line that fails is logged and reopened with backoff.
/// </summary>
public sealed partial class ButtonService : IDisposable
{
    private readonly GpioEdgeMonitor _monitor;
    private readonly ButtonDetector _detector;
    private readonly PushToTalkController _controller;
    private readonly ILogger _logger;
    private readonly GpioLineAddress _address;

    /// <summary>Creates the service (call <see cref="Start"/>).</summary>
    public ButtonService(IGpioDriver driver, GpioOptions gpio, ButtonOptions options, TimeProvider timeProvider, ILogger<ButtonService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(options);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _address = options.Address(gpio);
        _detector = new ButtonDetector(options.Timings, timeProvider);
        _controller = new PushToTalkController(options.Mode, options.Timings.HoldThreshold, options.LongPressAction, options.DoublePressAction);
        _detector.Gesture += e =>
        {
            LogGesture(_logger, e.Gesture, e.HeldFor.TotalMilliseconds);
            Gesture?.Invoke(e);
            _controller.OnGesture(e);
        };
        _controller.Command += c => Command?.Invoke(c);
        var settings = options.InputSettings;
        _monitor = new GpioEdgeMonitor(() => driver.OpenInput(_address, settings), edge => _detector.OnRawLevel(edge.Edge == GpioEdge.Rising));
        _monitor.Opened += level =>
        {
            LogOpened(_logger, _address, level);
            _detector.Reset(level);
        };
        _monitor.Faulted += ex => LogFaulted(_logger, _address, ex);
    }

    /// <summary>Every button gesture (for MQTT button events).</summary>
    public event Action<ButtonEvent>? Gesture;

    /// <summary>Commands for the pipeline.</summary>
    public event Action<ButtonCommand>? Command;

    /// <summary>True while the button line is open and watched.</summary>
    public bool IsHealthy => _monitor.IsHealthy;

    /// <summary>Starts watching the line.</summary>
    public void Start() => _monitor.Start();

    /// <summary>Follows the pipeline state (push-to-talk decisions depend on it).</summary>
    public void OnStateChanged(PipelineState state) => _controller.OnStateChanged(state);

    /// <summary>Stops the watcher thread and releases the line.</summary>
    public void Dispose()
    {
        _monitor.Dispose();
        _detector.Dispose();
    }

    [LoggerMessage(EventId = 801, Level = LogLevel.Debug, Message = "Button {Gesture} (held {HeldMs} ms)")]
    private static partial void LogGesture(ILogger logger, ButtonGesture gesture, double heldMs);

    [LoggerMessage(EventId = 802, Level = LogLevel.Information, Message = "Button line {Line} open (pressed: {Pressed})")]
    private static partial void LogOpened(ILogger logger, GpioLineAddress line, bool pressed);

    [LoggerMessage(EventId = 803, Level = LogLevel.Warning, Message = "Button line {Line} failed, retrying with backoff")]
    private static partial void LogFaulted(ILogger logger, GpioLineAddress line, Exception error);
}
