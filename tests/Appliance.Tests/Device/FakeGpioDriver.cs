using System.Collections.Concurrent;
using VoiceAppliance.Device.Gpio;

namespace VoiceAppliance.Tests.Device;

/// <summary>A GPIO driver at the hardware seam: records output writes, lets a test push input edges.</summary>
public sealed class FakeGpioDriver : IGpioDriver
{
    public ConcurrentDictionary<string, FakeOutput> Outputs { get; } = new();

    public ConcurrentDictionary<string, FakeInput> Inputs { get; } = new();

    public Exception? FailNextOpen { get; set; }

    private int _openCount;

    public int OpenCount => Volatile.Read(ref _openCount);

    public IGpioInput OpenInput(GpioLineAddress address, GpioInputSettings settings)
    {
        Interlocked.Increment(ref _openCount);
        if (FailNextOpen is { } ex)
        {
            FailNextOpen = null;
            throw ex;
        }

        var input = new FakeInput(settings);
        Inputs[address.ToString()] = input;
        return input;
    }

    public IGpioOutput OpenOutput(GpioLineAddress address, bool activeLow, bool initialActive)
    {
        var output = new FakeOutput(initialActive);
        Outputs[address.ToString()] = output;
        return output;
    }

    public sealed class FakeInput(GpioInputSettings settings) : IGpioInput
    {
        private readonly BlockingCollection<GpioEdgeEvent> _edges = new();

        public GpioInputSettings Settings { get; } = settings;

        public bool Level { get; set; }

        public bool Disposed { get; private set; }

        public void Push(bool active)
        {
            Level = active;
            _edges.Add(new GpioEdgeEvent(active ? GpioEdge.Rising : GpioEdge.Falling, 0, 0, 0));
        }

        /// <summary>How often the level was read (the edge monitor reads it once after opening the line).</summary>
        public int Reads => Volatile.Read(ref _reads);

        private int _reads;

        public bool Read()
        {
            Interlocked.Increment(ref _reads);
            return Level;
        }

        public bool WaitForEdge(TimeSpan timeout, out GpioEdgeEvent edge) => _edges.TryTake(out edge, timeout);

        public void Dispose()
        {
            Disposed = true;
            _edges.Dispose();
        }
    }

    public sealed class FakeOutput(bool initial) : IGpioOutput
    {
        public List<bool> Writes { get; } = [initial];

        public bool Value => Writes[^1];

        public bool Disposed { get; private set; }

        public void Write(bool active) => Writes.Add(active);

        public void Dispose() => Disposed = true;
    }
}
