using System.Device.Gpio;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Configuration;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Button;

/// <summary>
/// The push-to-talk button, assembled: an input line on a <see cref="GpioController"/> whose edge callbacks
/// (System.Device.Gpio's event thread) feed debounced gestures (<see cref="ButtonDetector"/>) and their mapping to
/// pipeline commands (<see cref="PushToTalkController"/>). Subscribe to <see cref="Gesture"/> (MQTT events)
/// and <see cref="Command"/> (the pipeline); feed <see cref="OnStateChanged"/> from the pipeline's state events.
/// A line that cannot be opened (no chip, line busy, access denied) is logged once with the fix and retried with
/// capped backoff; the appliance runs on without the button meanwhile.
/// </summary>
public sealed partial class ButtonService : IDisposable
{
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_maxRetry = TimeSpan.FromSeconds(60);

    private readonly GpioChips _chips;
    private readonly ButtonOptions _options;
    private readonly string _chip;
    private readonly ButtonDetector _detector;
    private readonly PushToTalkController _controller;
    private readonly ILogger _logger;
    private readonly ITimer _retry;
    private readonly PinChangeEventHandler _onEdge;
    private readonly object _gate = new();
    private GpioController? _gpio;
    private int _offset;
    private TimeSpan _backoff = s_firstRetry;
    private bool _failing;
    private bool _disposed;

    /// <summary>Creates the service (call <see cref="Start"/>).</summary>
    public ButtonService(GpioChips chips, GpioOptions gpio, ButtonOptions options, TimeProvider timeProvider, ILogger<ButtonService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        _chips = chips ?? throw new ArgumentNullException(nameof(chips));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentNullException.ThrowIfNull(timeProvider);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _chip = options.Chip ?? gpio.Chip;
        _detector = new ButtonDetector(options.Timings, timeProvider);
        _controller = new PushToTalkController(options.Mode, options.Timings.HoldThreshold, options.LongPressAction, options.DoublePressAction);
        _detector.Gesture += e =>
        {
            LogGesture(_logger, e.Gesture, e.HeldFor.TotalMilliseconds);
            Gesture?.Invoke(e);
            _controller.OnGesture(e);
        };
        _controller.Command += c => Command?.Invoke(c);
        _onEdge = (_, e) => _detector.OnRawLevel(IsActive(e.ChangeType == PinEventTypes.Rising ? PinValue.High : PinValue.Low));
        _retry = timeProvider.CreateTimer(_ => TryOpen(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Every button gesture (for MQTT button events).</summary>
    public event Action<ButtonEvent>? Gesture;

    /// <summary>Commands for the pipeline.</summary>
    public event Action<ButtonCommand>? Command;

    /// <summary>True while the button line is open and watched.</summary>
    public bool IsHealthy
    {
        get
        {
            lock (_gate)
            {
                return _gpio is not null;
            }
        }
    }

    /// <summary>Opens the line (or schedules retries when it cannot be opened yet).</summary>
    public void Start() => TryOpen();

    /// <summary>Follows the pipeline state (push-to-talk decisions depend on it).</summary>
    public void OnStateChanged(PipelineState state) => _controller.OnStateChanged(state);

    /// <summary>The mode System.Device.Gpio requests for the configured bias.</summary>
    public static PinMode InputMode(GpioBias bias) => bias switch
    {
        GpioBias.PullUp => PinMode.InputPullUp,
        GpioBias.PullDown => PinMode.InputPullDown,
        _ => PinMode.Input,
    };

    private bool IsActive(PinValue level) => (level == PinValue.High) != _options.ActiveLow;

    private void TryOpen()
    {
        lock (_gate)
        {
            if (_disposed || _gpio is not null)
            {
                return;
            }

            try
            {
                var (gpio, offset) = _chips.OpenLine(_chip, _options.Line, InputMode(_options.Bias));
                try
                {
                    var pressed = IsActive(gpio.Read(offset));
                    _detector.Reset(pressed);
                    gpio.RegisterCallbackForPinValueChangedEvent(offset, PinEventTypes.Rising | PinEventTypes.Falling, _onEdge);
                    _gpio = gpio;
                    _offset = offset;
                    _failing = false;
                    _backoff = s_firstRetry;
                    LogOpened(_logger, _chip, offset, pressed);
                }
                catch
                {
                    gpio.ClosePin(offset);
                    throw;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                if (!_failing)
                {
                    // once per outage: the retries stay quiet until the line opens
                    _failing = true;
                    LogUnavailable(_logger, _chip, _options.Line, ex.Message, ex);
                }

                _retry.Change(_backoff, Timeout.InfiniteTimeSpan);
                _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, s_maxRetry.Ticks));
            }
        }
    }

    /// <summary>Stops watching and releases the line.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _retry.Dispose();
            if (_gpio is { } gpio)
            {
                try
                {
                    gpio.UnregisterCallbackForPinValueChangedEvent(_offset, _onEdge);
                    gpio.ClosePin(_offset);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
                {
                    // the chip is already gone
                }

                _gpio = null;
            }
        }

        _detector.Dispose();
    }

    [LoggerMessage(EventId = 801, Level = LogLevel.Debug, Message = "Button {Gesture} (held {HeldMs} ms)")]
    private static partial void LogGesture(ILogger logger, ButtonGesture gesture, double heldMs);

    [LoggerMessage(EventId = 802, Level = LogLevel.Information, Message = "Button on GPIO chip {Chip} line {Line} open (pressed: {Pressed})")]
    private static partial void LogOpened(ILogger logger, string chip, int line, bool pressed);

    [LoggerMessage(EventId = 803, Level = LogLevel.Warning, Message = "Button on GPIO chip {Chip} line {Line} unavailable, running without it and retrying: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string chip, string line, string reason, Exception error);
}
