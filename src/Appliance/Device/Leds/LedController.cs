using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Leds;

/// <summary>
/// Shows the pattern of the current pipeline state. Driven by state events (<see cref="OnStateChanged"/>) and
/// mic levels (<see cref="OnLevel"/>); never polls the pipeline. Animated patterns are redrawn by one
/// <see cref="TimeProvider"/> timer that runs only while the pattern moves; static ones are drawn once.
/// Frame buffers are allocated once. A strip that fails (SPI device gone) is reported through
/// <see cref="Faulted"/> and the next frame tries again; the pipeline never sees the failure.
/// </summary>
public sealed class LedController : IDisposable
{
    private readonly ILedStrip _strip;
    private readonly LedPatternSet _patterns;
    private readonly TimeProvider _time;
    private readonly TimeSpan _frameInterval;
    private readonly ITimer _timer;
    private readonly Rgb[] _frame;
    private readonly Rgb[] _shown;
    private readonly object _gate = new();
    private LedPattern _pattern = LedPattern.Off;
    private long _patternStart;
    private float _level;
    private bool _hasShown;
    private bool _failing;
    private bool _disposed;

    /// <summary>Creates the controller and draws the idle pattern.</summary>
    /// <param name="strip">The LEDs.</param>
    /// <param name="patterns">Pattern per state.</param>
    /// <param name="timeProvider">Clock and timer source.</param>
    /// <param name="frameInterval">Animation frame interval (default 40 ms, 25 frames per second).</param>
    public LedController(ILedStrip strip, LedPatternSet patterns, TimeProvider timeProvider, TimeSpan? frameInterval = null)
    {
        _strip = strip ?? throw new ArgumentNullException(nameof(strip));
        _patterns = patterns ?? throw new ArgumentNullException(nameof(patterns));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _frameInterval = frameInterval ?? TimeSpan.FromMilliseconds(40);
        _frame = new Rgb[strip.Count];
        _shown = new Rgb[strip.Count];
        _timer = _time.CreateTimer(_ => OnFrame(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        OnStateChanged(PipelineState.Idle);
    }

    /// <summary>Raised when writing frames starts failing (once per outage, for logging); the controller keeps trying.</summary>
    public event Action<Exception>? Faulted;

    /// <summary>The state whose pattern is showing.</summary>
    public PipelineState State { get; private set; }

    /// <summary>Frames actually written to the strip (unchanged frames are skipped).</summary>
    public long FramesWritten { get; private set; }

    /// <summary>Switches to the pattern of <paramref name="state"/>, restarting its animation.</summary>
    public void OnStateChanged(PipelineState state)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            State = state;
            _pattern = _patterns[state];
            _patternStart = _time.GetTimestamp();
            DrawLocked();
            _timer.Change(_pattern.IsAnimated ? _frameInterval : Timeout.InfiniteTimeSpan, _pattern.IsAnimated ? _frameInterval : Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The latest microphone level, 0..1 (RMS or peak, as the caller measures it).</summary>
    public void OnLevel(float level) => Volatile.Write(ref _level, float.IsFinite(level) ? Math.Clamp(level, 0f, 1f) : 0f);

    private void OnFrame()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                DrawLocked();
            }
        }
    }

    private void DrawLocked()
    {
        var elapsed = _time.GetElapsedTime(_patternStart);
        _pattern.Render(elapsed, Volatile.Read(ref _level), _frame);
        if (_hasShown && _frame.AsSpan().SequenceEqual(_shown))
        {
            return;
        }

        try
        {
            _strip.Show(_frame);
            _frame.AsSpan().CopyTo(_shown);
            _hasShown = true;
            FramesWritten++;
        }
        catch (IOException ex)
        {
            _hasShown = false;
            if (!_failing)
            {
                // once per outage, not once per frame: a device that went away must not flood the log
                _failing = true;
                Faulted?.Invoke(ex);
            }

            return;
        }

        _failing = false;
    }

    /// <summary>Stops the animation and switches the LEDs off (the strip itself is disposed by its owner).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer.Dispose();
            Array.Clear(_frame);
            try
            {
                _strip.Show(_frame);
            }
            catch (IOException)
            {
                // device gone
            }
        }
    }
}
