using VoiceAppliance.Mqtt;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>
/// What every test class against a real mosquitto needs: brokers, services and state directories that are cleaned
/// up after each test (in reverse order of creation), and a polling wait with a deadline that names what it waited for.
/// </summary>
public abstract class MqttBrokerTests : IDisposable
{
    private readonly List<IDisposable> _cleanup = [];
    private readonly List<string> _dirs = [];

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        foreach (var d in Enumerable.Reverse(_cleanup))
        {
            d.Dispose();
        }

        foreach (var dir in _dirs)
        {
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>A broker on a free loopback port, stopped after the test.</summary>
    private protected MosquittoBroker Broker(bool tls = false, bool persistence = false, IReadOnlyList<string>? acl = null) =>
        Track(MosquittoBroker.Start(tls, persistence, acl));

    /// <summary>Disposes <paramref name="d"/> after the test.</summary>
    private protected T Track<T>(T d) where T : IDisposable
    {
        _cleanup.Add(d);
        return d;
    }

    /// <summary>Runs <paramref name="action"/> after the test.</summary>
    private protected void AtEnd(Action action) => _cleanup.Add(new Disposer(action));

    /// <summary>A fresh state directory, deleted after the test.</summary>
    private protected string StateDir()
    {
        var d = MqttTestOptions.NewStateDir();
        _dirs.Add(d);
        return d;
    }

    /// <summary>A started service with a recording handler, disposed after the test.</summary>
    private protected MqttService Service(MqttOptions options, ListLogger? logger = null) => Service(options, new RecordingHandler(), logger);

    /// <summary>A started service, disposed after the test.</summary>
    private protected MqttService Service(MqttOptions options, IMqttCommandHandler handler, ListLogger? logger = null)
    {
        var service = StartService(options, handler, logger);
        AtEnd(() => StopService(service));
        return service;
    }

    /// <summary>A started service with a recording handler that the test stops itself (<see cref="StopService"/>).</summary>
    private protected static MqttService StartService(MqttOptions options, ListLogger? logger = null) => StartService(options, new RecordingHandler(), logger);

    /// <summary>A started service that the test stops itself (<see cref="StopService"/>).</summary>
    private protected static MqttService StartService(MqttOptions options, IMqttCommandHandler handler, ListLogger? logger = null)
    {
        var service = new MqttService(options, handler, logger ?? new ListLogger());
        service.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return service;
    }

    private protected static void StopService(MqttService service) => service.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Polls <paramref name="condition"/> every 10 ms; throws naming <paramref name="what"/> after <paramref name="seconds"/>.</summary>
    private protected static void WaitUntil(Func<bool> condition, double seconds, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            Thread.Sleep(10);
        }
    }

    /// <summary>The device's retained availability is <c>online</c>: it is connected and subscribed.</summary>
    private protected static void WaitOnline(MosquittoBroker broker, string device = "dev1")
    {
        using var watcher = new TestPeer(broker.Port, filters: [$"appliance/{device}/availability"]);
        watcher.WaitFor($"appliance/{device}/availability", r => r.Text == "online");
    }

    private sealed class Disposer(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
