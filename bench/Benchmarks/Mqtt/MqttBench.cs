using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Mqtt;

namespace VoiceAppliance.Benchmarks.Mqtt;

/// <summary>
/// <c>dotnet run --project bench/Benchmarks -c Release -- mqtt [reports]</c>: against a real local mosquitto,
/// (1) reconnect time after the broker returns (median of 10 restarts), (2) messages per second through the durable
/// outbox end to end (enqueue -> PUBACK) for each fsync policy, as a ratio to plain QoS 1 publishing with the same client
/// (the peer: same client, no outbox), (3) the append-only rate per fsync policy with the broker away (the cost of fsync).
/// </summary>
public static partial class MqttBench
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var reports = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
        var root = Path.Combine(Path.GetTempPath(), "mqtt-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        using var broker = new BenchBroker(root);
        Console.WriteLine($"mqtt bench: mosquitto on 127.0.0.1:{broker.Port}, state dir {root} ({FileSystemOf(root)}), {reports} reports of ~300 bytes");
        try
        {
            Reconnect(broker, root);
            Throughput(broker, root, reports);
            AppendOnly(root, reports);
        }
        finally
        {
            Directory.Delete(root, true);
        }

        return 0;
    }

    private static MqttOptions Options(BenchBroker broker, string stateDir, OutboxFsyncPolicy fsync) => new()
    {
        Enabled = true,
        Host = "127.0.0.1",
        Port = broker.Port,
        DeviceId = "bench",
        StateDirectory = stateDir,
        OutboxFsync = fsync,
    };

    private static SessionEventReport Report(int i) => new()
    {
        EventType = SessionEventTypes.TurnEnded,
        SessionId = "session-" + (i / 4).ToString(CultureInfo.InvariantCulture),
        Turn = i,
        Reason = "nominal",
        Text = "turn on the kitchen light and set it to fifty percent",
        LatencyMs = 812.5,
        TranscriptMs = 301.2,
        FirstReplyTextMs = 402.9,
        FirstAudioMs = 812.5,
        SttRtf = 0.21,
        TtsRtf = 0.33,
    };

    private static void Reconnect(BenchBroker broker, string root)
    {
        var options = Options(broker, Path.Combine(root, "reconnect"), OutboxFsyncPolicy.Batch);
        var service = new MqttService(options, new NullHandler(), NullLogger<MqttService>.Instance);
        service.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        WaitUntil(() => service.IsConnected, 10);
        var samples = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var before = service.ConnectCount;
            broker.Stop();
            WaitUntil(() => !service.IsConnected, 10);
            Thread.Sleep(1000); // a 1 s outage: the client is a few backoff steps in
            broker.Launch();
            var back = Stopwatch.StartNew();
            WaitUntil(() => service.ConnectCount > before, 120);
            samples.Add(back.Elapsed.TotalMilliseconds);
        }

        service.DisposeAsync().AsTask().GetAwaiter().GetResult();
        samples.Sort();
        Console.WriteLine();
        Console.WriteLine($"reconnect after the broker returns (1 s outages, backoff {options.ReconnectInitialDelay.TotalMilliseconds} ms doubling to {options.ReconnectMaxDelay.TotalSeconds} s, equal jitter):");
        Console.WriteLine($"  median {Median(samples):F0} ms, min {samples[0]:F0} ms, max {samples[^1]:F0} ms over {samples.Count} restarts  [{string.Join(", ", samples.Select(s => s.ToString("F0", CultureInfo.InvariantCulture)))}]");
    }

    private static void Throughput(BenchBroker broker, string root, int reports)
    {
        Console.WriteLine();
        Console.WriteLine("end to end, enqueue -> broker PUBACK (QoS 1), one run each after a warm-up:");
        var payload = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Report(1) with { Id = "bench-1795305682431000", DeviceId = "bench", Timestamp = DateTimeOffset.UtcNow }, MqttJsonContext.Default.SessionEventReport);

        // Peer: the same MQTT client publishing QoS 1 directly (no file, no window), waiting for every PUBACK.
        double Raw()
        {
            using var client = new MqttNetClient(new MqttConnectionSettings { Host = "127.0.0.1", Port = broker.Port, ClientId = "bench-raw" }, NullLogger.Instance);
            client.Start();
            WaitUntil(() => client.IsConnected, 10);
            var sw = Stopwatch.StartNew();
            var pending = new Task<PublishOutcome>[reports];
            for (var i = 0; i < reports; i++)
            {
                pending[i] = client.PublishAsync("bench/raw", payload, 1, false);
            }

            Task.WaitAll(pending, TimeSpan.FromSeconds(120));
            return reports / sw.Elapsed.TotalSeconds;
        }

        double Outbox(OutboxFsyncPolicy policy, string dir)
        {
            var service = new MqttService(Options(broker, dir, policy), new NullHandler(), NullLogger<MqttService>.Instance);
            service.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
            WaitUntil(() => service.IsConnected, 10);
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < reports; i++)
            {
                service.PublishSessionEvent(Report(i));
            }

            WaitUntil(() => service.OutboxStats.Delivered >= reports, 300);
            var rate = reports / sw.Elapsed.TotalSeconds;
            service.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return rate;
        }

        Raw();
        var raw = Raw();
        Console.WriteLine($"  {"peer: MQTTnet QoS 1, no outbox",-44} {raw,10:F0} msg/s   1.00x");
        Outbox(OutboxFsyncPolicy.None, Path.Combine(root, "warmup"));
        foreach (var policy in new[] { OutboxFsyncPolicy.None, OutboxFsyncPolicy.Batch, OutboxFsyncPolicy.PerRecord })
        {
            var rate = Outbox(policy, Path.Combine(root, "e2e-" + policy));
            Console.WriteLine($"  {"outbox, fsync " + policy,-44} {rate,10:F0} msg/s   {rate / raw:F2}x");
        }
    }

    private static void AppendOnly(string root, int reports)
    {
        Console.WriteLine();
        Console.WriteLine("append only (broker away: records queue on disk), cost of the fsync policy:");
        var payload = new byte[300];
        double? none = null;
        foreach (var policy in new[] { OutboxFsyncPolicy.None, OutboxFsyncPolicy.Batch, OutboxFsyncPolicy.PerRecord })
        {
            var options = new MqttOptions { DeviceId = "bench", OutboxFsync = policy, OutboxMaxBytes = 1L << 30 };
            using var outbox = new DurableOutbox(Path.Combine(root, "append-" + policy), options, NullLogger.Instance);
            var n = policy == OutboxFsyncPolicy.PerRecord ? Math.Min(reports, 2000) : reports;
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                outbox.Enqueue("bench/append", _ => payload);
            }

            outbox.FlushToDisk();
            var perRecordUs = sw.Elapsed.TotalMilliseconds * 1000 / n;
            none ??= perRecordUs;
            Console.WriteLine($"  {"fsync " + policy,-20} {n / sw.Elapsed.TotalSeconds,10:F0} records/s  {perRecordUs,8:F1} us/record  {perRecordUs / none.Value,6:F1}x the no-fsync cost");
        }
    }

    private static double Median(List<double> sorted) => sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    private static void WaitUntil(Func<bool> condition, double seconds)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed.TotalSeconds > seconds)
            {
                throw new TimeoutException($"bench condition not met within {seconds} s");
            }

            Thread.SpinWait(200);
            Thread.Yield();
        }
    }

    private static string FileSystemOf(string path)
    {
        var best = ("?", "");
        foreach (var line in File.ReadLines("/proc/mounts"))
        {
            var parts = line.Split(' ');
            if (parts.Length > 2 && path.StartsWith(parts[1], StringComparison.Ordinal) && parts[1].Length >= best.Item2.Length)
            {
                best = (parts[2], parts[1]);
            }
        }

        return best.Item1 + " at " + best.Item2;
    }

    private sealed class NullHandler : IMqttCommandHandler
    {
        public Task ListenAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SayAsync(SayCommand command, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SetMutedAsync(bool muted, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SetVolumeAsync(int volume, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task PlayIntercomAsync(IntercomClip clip, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Debian's mosquitto on a free port, stopped by PID (SIGTERM) and relaunched on the same port.</summary>
    private sealed partial class BenchBroker : IDisposable
    {
        private readonly string _config;
        private Process? _process;

        public BenchBroker(string dir)
        {
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }

            _config = Path.Combine(dir, "mosquitto.conf");
            File.WriteAllLines(_config, ["user root", "allow_anonymous true", $"listener {Port} 127.0.0.1", "max_queued_messages 1000000", "log_dest none"]);
            Launch();
        }

        public int Port { get; }

        public void Launch()
        {
            _process = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", _config]) { UseShellExecute = false, RedirectStandardError = true })!;
            var sw = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    probe.Connect(IPAddress.Loopback, Port);
                    return;
                }
                catch (SocketException) when (sw.Elapsed < TimeSpan.FromSeconds(10))
                {
                    Thread.Sleep(1);
                }
            }
        }

        public void Stop()
        {
            if (_process is { HasExited: false })
            {
                _ = Kill(_process.Id, 15);
                _process.WaitForExit();
            }

            _process?.Dispose();
            _process = null;
        }

        public void Dispose() => Stop();

        [LibraryImport("libc", EntryPoint = "kill")]
        private static partial int Kill(int pid, int signal);
    }
}
