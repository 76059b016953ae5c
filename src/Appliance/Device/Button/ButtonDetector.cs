namespace VoiceAppliance.Device.Button;

/// <summary>
/// Turns raw button levels into debounced, typed gestures: press, release, tap, double press, long press.
/// Time comes only from the <see cref="TimeProvider"/> (its timers drive debounce, long press and the double
/// press window), so tests run it deterministically. Thread-safe; events are raised outside the lock.
/// </summary>
public sealed class ButtonDetector : IDisposable
{
    private readonly ButtonTimings _timings;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly object _flushGate = new();
    private readonly ITimer _debounceTimer;
    private readonly ITimer _longPressTimer;
    private readonly ITimer _tapTimer;
    private readonly Queue<ButtonEvent> _pending = new();
    private bool _raw;
    private bool _stable;
    private DateTimeOffset _pressedAt;
    private DateTimeOffset _tapReleasedAt;
    private TimeSpan _tapHeldFor;
    private bool _tapPending;
    private bool _longFired;
    private bool _isDouble;
    private bool _disposed;

    /// <summary>Creates the detector with the button released.</summary>
    public ButtonDetector(ButtonTimings timings, TimeProvider timeProvider)
    {
        _timings = timings ?? throw new ArgumentNullException(nameof(timings));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _debounceTimer = _time.CreateTimer(_ => OnDebounceElapsed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _longPressTimer = _time.CreateTimer(_ => OnLongPressElapsed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _tapTimer = _time.CreateTimer(_ => OnTapWindowElapsed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Raised for every gesture, in order.</summary>
    public event Action<ButtonEvent>? Gesture;

    /// <summary>The debounced state (true = pressed).</summary>
    public bool IsPressed
    {
        get
        {
            lock (_gate)
            {
                return _stable;
            }
        }
    }

    /// <summary>Sets the starting level without raising events (the level read when the line was opened).</summary>
    public void Reset(bool pressed)
    {
        lock (_gate)
        {
            _raw = _stable = pressed;
            _tapPending = _longFired = _isDouble = false;
            _debounceTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _longPressTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _tapTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _pressedAt = _time.GetUtcNow();
        }
    }

    /// <summary>Feeds one raw level (true = pressed), e.g. from a GPIO edge.</summary>
    public void OnRawLevel(bool pressed)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _raw = pressed;
            if (_timings.Debounce <= TimeSpan.Zero)
            {
                if (_raw != _stable)
                {
                    CommitLocked(_raw);
                }
            }
            else if (_raw == _stable)
            {
                _debounceTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _debounceTimer.Change(_timings.Debounce, Timeout.InfiniteTimeSpan);
            }
        }

        Flush();
    }

    private void OnDebounceElapsed()
    {
        lock (_gate)
        {
            if (!_disposed && _raw != _stable)
            {
                CommitLocked(_raw);
            }
        }

        Flush();
    }

    private void OnLongPressElapsed()
    {
        lock (_gate)
        {
            if (_disposed || !_stable || _longFired || _isDouble)
            {
                return;
            }

            _longFired = true;
            var now = _time.GetUtcNow();
            _pending.Enqueue(new ButtonEvent(ButtonGesture.LongPress, now, now - _pressedAt));
        }

        Flush();
    }

    private void OnTapWindowElapsed()
    {
        lock (_gate)
        {
            if (_disposed || !_tapPending)
            {
                return;
            }

            _tapPending = false;
            _pending.Enqueue(new ButtonEvent(ButtonGesture.Tap, _tapReleasedAt, _tapHeldFor));
        }

        Flush();
    }

    private void CommitLocked(bool pressed)
    {
        _stable = pressed;
        var now = _time.GetUtcNow();
        if (pressed)
        {
            _pressedAt = now;
            _longFired = false;
            _isDouble = _tapPending;
            _pending.Enqueue(new ButtonEvent(ButtonGesture.Pressed, now, TimeSpan.Zero));
            if (_isDouble)
            {
                _tapPending = false;
                _tapTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _pending.Enqueue(new ButtonEvent(ButtonGesture.DoublePress, now, TimeSpan.Zero));
            }
            else
            {
                _longPressTimer.Change(_timings.LongPress, Timeout.InfiniteTimeSpan);
            }

            return;
        }

        var held = now - _pressedAt;
        _longPressTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _pending.Enqueue(new ButtonEvent(ButtonGesture.Released, now, held));
        var wasSpecial = _longFired || _isDouble;
        _longFired = _isDouble = false;
        if (wasSpecial || held >= _timings.HoldThreshold)
        {
            return;
        }

        if (_timings.DoublePressWindow > TimeSpan.Zero)
        {
            _tapPending = true;
            _tapReleasedAt = now;
            _tapHeldFor = held;
            _tapTimer.Change(_timings.DoublePressWindow, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _pending.Enqueue(new ButtonEvent(ButtonGesture.Tap, now, held));
        }
    }

    private void Flush()
    {
        // One flusher at a time keeps handlers seeing events in order even when a timer thread and the
        // edge thread both produce some.
        lock (_flushGate)
        {
            while (true)
            {
                ButtonEvent e;
                lock (_gate)
                {
                    if (!_pending.TryDequeue(out e))
                    {
                        return;
                    }
                }

                Gesture?.Invoke(e);
            }
        }
    }

    /// <summary>Stops the timers; later levels are ignored.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _debounceTimer.Dispose();
        _longPressTimer.Dispose();
        _tapTimer.Dispose();
    }
}
