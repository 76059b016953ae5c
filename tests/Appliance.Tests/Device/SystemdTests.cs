using System.Net.Sockets;
using System.Text;
using VoiceAppliance.Device.Systemd;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Device;

/// <summary>The notifier against a real unix datagram socket, as systemd would hold it.</summary>
public sealed class SystemdNotifierTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("notify");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Socket Bind(string name)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(name));
        socket.ReceiveTimeout = 2000;
        return socket;
    }

    private static string Receive(Socket socket)
    {
        var buffer = new byte[4096];
        var n = socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void Sends_ready_status_watchdog_and_stopping_to_a_path_socket()
    {
        var path = Path.Combine(_dir, "notify.sock");
        using var server = Bind(path);
        using var notifier = SystemdNotifier.FromEnvironment(new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = path })!;
        Assert.True(notifier.Ready("listening on plughw:CARD=seeed2micvoicec"));
        Assert.True(notifier.Status("2 sessions"));
        Assert.True(notifier.Watchdog());
        Assert.True(notifier.Stopping());
        Assert.Equal("READY=1\nSTATUS=listening on plughw:CARD=seeed2micvoicec", Receive(server));
        Assert.Equal("STATUS=2 sessions", Receive(server));
        Assert.Equal("WATCHDOG=1", Receive(server));
        Assert.Equal("STOPPING=1", Receive(server));
    }

    [Fact]
    public void At_sign_means_an_abstract_socket()
    {
        var name = "appliance-test-" + Guid.NewGuid().ToString("N");
        using var server = Bind("\0" + name);
        using var notifier = new SystemdNotifier("@" + name);
        Assert.True(notifier.Ready());
        Assert.Equal("READY=1", Receive(server));
    }

    [Fact]
    public void No_notify_socket_means_no_notifier()
        => Assert.Null(SystemdNotifier.FromEnvironment(new Dictionary<string, string?>()));

    [Fact]
    public void A_missing_socket_is_reported_not_thrown()
    {
        using var notifier = new SystemdNotifier(Path.Combine(_dir, "nobody-listens.sock"));
        Assert.False(notifier.Ready());
        Assert.NotNull(notifier.LastError);
    }

    [Fact]
    public void Watchdog_timeout_comes_from_watchdog_usec_for_this_pid_only()
    {
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromSeconds(30), SystemdNotifier.WatchdogTimeout(new Dictionary<string, string?> { ["WATCHDOG_USEC"] = "30000000" }));
        Assert.Equal(TimeSpan.FromSeconds(30), SystemdNotifier.WatchdogTimeout(new Dictionary<string, string?> { ["WATCHDOG_USEC"] = "30000000", ["WATCHDOG_PID"] = pid }));
        Assert.Null(SystemdNotifier.WatchdogTimeout(new Dictionary<string, string?> { ["WATCHDOG_USEC"] = "30000000", ["WATCHDOG_PID"] = "1" }));
        Assert.Null(SystemdNotifier.WatchdogTimeout(new Dictionary<string, string?>()));
        Assert.Null(SystemdNotifier.WatchdogTimeout(new Dictionary<string, string?> { ["WATCHDOG_USEC"] = "soon" }));
    }

    [Fact]
    public void Watchdog_pings_only_while_healthy()
    {
        var path = Path.Combine(_dir, "wd.sock");
        using var server = Bind(path);
        using var notifier = new SystemdNotifier(path);
        var time = new ManualTimeProvider();
        var healthy = true;
        var unhealthy = 0;
        using var watchdog = new SystemdWatchdog(notifier, TimeSpan.FromSeconds(20), () => healthy, time);
        watchdog.Unhealthy += () => unhealthy++;
        Assert.Equal(TimeSpan.FromSeconds(10), watchdog.Interval);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, watchdog.PingsSent);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, watchdog.PingsSent);
        Assert.Equal("WATCHDOG=1", Receive(server));

        healthy = false;
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, watchdog.PingsSent);
        Assert.Equal(3, watchdog.PingsSkipped);
        Assert.Equal(3, unhealthy);
        Assert.Equal(0, server.Available);

        healthy = true;
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, watchdog.PingsSent);
        Assert.Equal("WATCHDOG=1", Receive(server));
    }

    [Fact]
    public void A_throwing_health_probe_counts_as_unhealthy()
    {
        var path = Path.Combine(_dir, "wd2.sock");
        using var server = Bind(path);
        using var notifier = new SystemdNotifier(path);
        var time = new ManualTimeProvider();
        using var watchdog = new SystemdWatchdog(notifier, TimeSpan.FromSeconds(2), () => throw new InvalidOperationException("capture gone"), time);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, watchdog.PingsSent);
        Assert.Equal(1, watchdog.PingsSkipped);
    }
}
