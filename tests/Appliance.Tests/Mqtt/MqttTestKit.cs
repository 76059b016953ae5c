using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>A received message.</summary>
internal sealed record Received(string Topic, byte[] Payload, bool Retain)
{
    /// <summary>When the peer received it (wall clock).</summary>
    public DateTimeOffset At { get; } = DateTimeOffset.UtcNow;

    public string Text => Encoding.UTF8.GetString(Payload);

    public JsonElement Json => JsonDocument.Parse(Payload).RootElement;
}

/// <summary>The other side of the broker in tests: our own MQTTnet client, subscribed to what the test watches.</summary>
internal sealed class TestPeer : IDisposable
{
    private readonly MqttNetClient _client;
    private readonly object _gate = new();
    private readonly List<Received> _received = [];

    public TestPeer(int port, string? clientId = null, bool cleanSession = true, params string[] filters)
    {
        _client = new MqttNetClient(
            new MqttConnectionSettings
            {
                Host = "127.0.0.1",
                Port = port,
                ClientId = clientId ?? "peer-" + Guid.NewGuid().ToString("N")[..8],
                CleanSession = cleanSession,
                ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
            },
            new ListLogger());
        foreach (var f in filters)
        {
            _client.AddSubscription(f, 1);
        }

        // The client subscribes (and waits for the SUBACK) on every connect before raising Connected.
        var subscribed = new ManualResetEventSlim();
        _client.Connected += subscribed.Set;
        _client.MessageReceived += (topic, payload, retain) =>
        {
            lock (_gate)
            {
                _received.Add(new Received(topic, payload, retain));
                Monitor.PulseAll(_gate);
            }
        };
        _client.Start();
        if (!subscribed.Wait(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("test peer did not connect");
        }

        // Let the SUBSCRIBE reach the broker before the test publishes.
        Publish("peer/sync/" + Guid.NewGuid().ToString("N"), [], 1, wait: true);
    }

    public MqttNetClient Client => _client;

    public IReadOnlyList<Received> Snapshot()
    {
        lock (_gate)
        {
            return [.. _received];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _received.Clear();
        }
    }

    public void Publish(string topic, byte[] payload, int qos = 1, bool retain = false, bool wait = true)
    {
        if (wait)
        {
            _client.PublishAndWaitAsync(topic, payload, qos, retain, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        }
        else
        {
            _ = _client.PublishAsync(topic, payload, qos, retain);
        }
    }

    public void Publish(string topic, string payload, bool retain = false) => Publish(topic, Encoding.UTF8.GetBytes(payload), 1, retain);

    /// <summary>Waits until a received message on <paramref name="topic"/> satisfies <paramref name="match"/>.</summary>
    public Received WaitFor(string topic, Func<Received, bool>? match = null, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        lock (_gate)
        {
            while (true)
            {
                var hit = _received.FirstOrDefault(r => r.Topic == topic && (match?.Invoke(r) ?? true));
                if (hit is not null)
                {
                    return hit;
                }

                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"no message on '{topic}' matching within {seconds} s; got: {string.Join(" | ", _received.Select(r => r.Topic + " " + (r.Payload.Length < 300 ? r.Text : r.Payload.Length + " bytes")))}");
                }

                Monitor.Wait(_gate, left);
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds over everything received.</summary>
    public void WaitUntil(Func<IReadOnlyList<Received>, bool> condition, double seconds, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        lock (_gate)
        {
            while (!condition(_received))
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"timed out after {seconds} s waiting for {what}");
                }

                Monitor.Wait(_gate, left);
            }
        }
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>Records every handler call as a line ("say:hello", "volume:42"...).</summary>
internal sealed class RecordingHandler : IMqttCommandHandler
{
    private readonly object _gate = new();
    private readonly List<string> _calls = [];

    public Func<string, Task>? Behaviour { get; set; }

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public List<IntercomClip> Clips { get; } = [];

    public List<SayCommand> Says { get; } = [];

    public Task ListenAsync(CancellationToken cancellationToken) => Record("listen");

    public Task StopAsync(CancellationToken cancellationToken) => Record("stop");

    public Task SayAsync(SayCommand command, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Says.Add(command);
        }

        return Record("say:" + command.Text);
    }

    public Task SetMutedAsync(bool muted, CancellationToken cancellationToken) => Record("mute:" + (muted ? "on" : "off"));

    public Task SetVolumeAsync(int volume, CancellationToken cancellationToken) => Record("volume:" + volume);

    public Task PlayIntercomAsync(IntercomClip clip, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Clips.Add(clip);
        }

        return Record("intercom:" + (clip.From ?? "?") + ":" + clip.Audio.Frames);
    }

    public string WaitFor(Func<string, bool> match, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        lock (_gate)
        {
            while (true)
            {
                var hit = _calls.FirstOrDefault(match);
                if (hit is not null)
                {
                    return hit;
                }

                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException("handler call not seen; calls: " + string.Join(", ", _calls));
                }

                Monitor.Wait(_gate, left);
            }
        }
    }

    private Task Record(string call)
    {
        lock (_gate)
        {
            _calls.Add(call);
            Monitor.PulseAll(_gate);
        }

        return Behaviour?.Invoke(call) ?? Task.CompletedTask;
    }
}

/// <summary>A logger that keeps formatted lines, to check what is (and is not) logged.</summary>
internal sealed class ListLogger : ILogger<MqttService>
{
    private readonly ConcurrentQueue<(LogLevel Level, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Text)> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _lines.Enqueue((logLevel, formatter(state, exception)));
    }
}

internal static class MqttTestOptions
{
    public static MqttOptions For(MosquittoBroker broker, string stateDir, string deviceId = "dev1") => new()
    {
        Enabled = true,
        Host = "127.0.0.1",
        Port = broker.Port,
        DeviceId = deviceId,
        StateDirectory = stateDir,
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(250),
        OutboxFsync = OutboxFsyncPolicy.Batch,
    };

    /// <summary>
    /// A child process's options from its arguments <c>MODE PORT STATE_DIR DEVICE_ID ...</c>; with
    /// <paramref name="quickReconnect"/>, reconnects start after 20 ms and back off to 250 ms at most.
    /// </summary>
    public static MqttOptions ForChild(string[] args, bool quickReconnect = true)
    {
        var options = new MqttOptions
        {
            Enabled = true,
            Host = "127.0.0.1",
            Port = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture),
            StateDirectory = args[2],
            DeviceId = args[3],
        };
        return quickReconnect
            ? options with { ReconnectInitialDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(250) }
            : options;
    }

    public static string NewStateDir() => TestPaths.NewTempDirectory("mqtt-state");
}
