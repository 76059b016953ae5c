using System.Collections.Concurrent;
using System.Device.Gpio;
using VoiceAppliance.Device.Gpio;

namespace VoiceAppliance.Tests.Device;

/// <summary>
/// A GPIO chip at the hardware seam, as a System.Device.Gpio <see cref="GpioDriver"/>: a real
/// <see cref="GpioController"/> drives it exactly as it drives libgpiod. It records every level written to an
/// output and lets a test drive an input's physical level, firing the registered edge callbacks as libgpiod's event
/// thread would.
/// </summary>
public sealed class FakeGpioDriver(int pinCount = 54) : GpioDriver
{
    private readonly ConcurrentDictionary<int, FakePin> _pins = new();

    /// <summary>Thrown by the next <see cref="OpenPin"/> (e.g. the line is busy), then cleared.</summary>
    public Exception? FailNextOpen { get; set; }

    private int _openCount;

    /// <summary>How many times a line was requested.</summary>
    public int OpenCount => Volatile.Read(ref _openCount);

    public bool Disposed { get; private set; }

    /// <summary>Every pin ever opened, by offset.</summary>
    public IReadOnlyDictionary<int, FakePin> Pins => _pins;

    /// <summary>A chip set with this driver as the one chip, under <paramref name="label"/>.</summary>
    public GpioChips Chips(string label = "pinctrl-bcm2711", int id = 0)
        => new(() => [new GpioChipInfo(id, $"gpiochip{id}", label, pinCount)], chip => chip.Id == id ? this : throw new IOException($"no chip {chip.Id}"));

    /// <summary>Waits (up to 10 s) until <paramref name="offset"/> is open as an input with an edge callback.</summary>
    public FakePin WaitForInput(int offset)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_pins.TryGetValue(offset, out var pin) && pin.IsOpen && pin.HasCallback)
            {
                return pin;
            }

            Thread.Sleep(5);
        }

        throw new TimeoutException($"GPIO line {offset} was never opened with an edge callback");
    }

    protected override int PinCount => pinCount;

    protected override void OpenPin(int pinNumber)
    {
        Interlocked.Increment(ref _openCount);
        if (FailNextOpen is { } ex)
        {
            FailNextOpen = null;
            throw ex;
        }

        var pin = _pins.GetOrAdd(pinNumber, n => new FakePin(n));
        pin.IsOpen = true;
    }

    protected override void ClosePin(int pinNumber)
    {
        if (_pins.TryGetValue(pinNumber, out var pin))
        {
            pin.IsOpen = false;
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        var pin = _pins[pinNumber];
        pin.Mode = mode;
        if (mode == PinMode.InputPullUp)
        {
            pin.Level = PinValue.High;
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        SetPinMode(pinNumber, mode);
        if (mode == PinMode.Output)
        {
            Write(pinNumber, initialValue);
        }
    }

    protected override PinMode GetPinMode(int pinNumber) => _pins[pinNumber].Mode;

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => _pins[pinNumber].Level;

    protected override void Write(int pinNumber, PinValue value)
    {
        var pin = _pins[pinNumber];
        pin.Level = value;
        lock (pin.Writes)
        {
            pin.Writes.Add(value == PinValue.High);
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
        => throw new NotSupportedException("the appliance uses edge callbacks");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
        => _pins[pinNumber].Add(eventTypes, callback);

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
        => _pins[pinNumber].Remove(callback);

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }

    /// <summary>One simulated line.</summary>
    public sealed class FakePin(int offset)
    {
        private readonly List<(PinEventTypes Types, PinChangeEventHandler Callback)> _callbacks = [];

        public int Offset { get; } = offset;

        private volatile bool _isOpen;

        public bool IsOpen
        {
            get => _isOpen;
            set => _isOpen = value;
        }

        public PinMode Mode { get; set; }

        public PinValue Level { get; set; } = PinValue.Low;

        /// <summary>Physical levels written (true = high), in order; the first is the initial level.</summary>
        public List<bool> Writes { get; } = [];

        public bool HasCallback
        {
            get
            {
                lock (_callbacks)
                {
                    return _callbacks.Count > 0;
                }
            }
        }

        /// <summary>The last physical level written (true = high).</summary>
        public bool High => Level == PinValue.High;

        internal void Add(PinEventTypes types, PinChangeEventHandler callback)
        {
            lock (_callbacks)
            {
                _callbacks.Add((types, callback));
            }
        }

        internal void Remove(PinChangeEventHandler callback)
        {
            lock (_callbacks)
            {
                _callbacks.RemoveAll(c => c.Callback == callback);
            }
        }

        /// <summary>Drives the line to <paramref name="level"/>; an actual change fires the matching callbacks.</summary>
        public void Drive(PinValue level)
        {
            if (Level == level)
            {
                return;
            }

            Level = level;
            var type = level == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            (PinEventTypes Types, PinChangeEventHandler Callback)[] targets;
            lock (_callbacks)
            {
                targets = [.. _callbacks];
            }

            foreach (var (types, callback) in targets)
            {
                if ((types & type) != 0)
                {
                    callback(this, new PinValueChangedEventArgs(type, Offset));
                }
            }
        }

        /// <summary>A button to ground (active-low, pull-up, as on the ReSpeaker 2-Mic HAT) goes down.</summary>
        public void Press() => Drive(PinValue.Low);

        /// <summary>The button to ground comes back up.</summary>
        public void Release() => Drive(PinValue.High);
    }
}
