using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace VoiceAppliance.Device.Systemd;

/// <summary>
/// sd_notify without libsystemd: datagrams such as <c>READY=1</c>, <c>STOPPING=1</c>, <c>STATUS=...</c> and
/// <c>WATCHDOG=1</c> to the unix socket named by <c>$NOTIFY_SOCKET</c> (a path, or an abstract name starting
/// with <c>@</c>). Sending never throws: a lost notification is logged by the caller, not a crash.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endPoint;
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>Creates a notifier for <paramref name="notifySocket"/> (the value of <c>$NOTIFY_SOCKET</c>).</summary>
    public SystemdNotifier(string notifySocket)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(notifySocket);
        SocketName = notifySocket;
        // The kernel's abstract namespace: a leading NUL instead of systemd's '@' notation.
        _endPoint = new UnixDomainSocketEndPoint(notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>The socket as given.</summary>
    public string SocketName { get; }

    /// <summary>The last send error, if any (for logging).</summary>
    public Exception? LastError { get; private set; }

    /// <summary>A notifier when the process runs under systemd with <c>Type=notify</c>, else null.</summary>
    public static SystemdNotifier? FromEnvironment(IReadOnlyDictionary<string, string?>? environment = null)
    {
        var socket = environment is null ? Environment.GetEnvironmentVariable("NOTIFY_SOCKET") : environment.GetValueOrDefault("NOTIFY_SOCKET");
        return string.IsNullOrWhiteSpace(socket) ? null : new SystemdNotifier(socket);
    }

    /// <summary>
    /// The watchdog timeout systemd expects pings within (<c>$WATCHDOG_USEC</c>), or null when the watchdog is off
    /// or meant for another process (<c>$WATCHDOG_PID</c>).
    /// </summary>
    public static TimeSpan? WatchdogTimeout(IReadOnlyDictionary<string, string?>? environment = null)
    {
        string? Get(string name) => environment is null ? Environment.GetEnvironmentVariable(name) : environment.GetValueOrDefault(name);
        if (!ulong.TryParse(Get("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec == 0)
        {
            return null;
        }

        var pid = Get("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(usec);
    }

    /// <summary>Startup finished; <paramref name="status"/> shows in <c>systemctl status</c>.</summary>
    public bool Ready(string? status = null) => Send(status is null ? "READY=1" : $"READY=1\nSTATUS={status}");

    /// <summary>Shutdown began.</summary>
    public bool Stopping(string? status = null) => Send(status is null ? "STOPPING=1" : $"STOPPING=1\nSTATUS={status}");

    /// <summary>A one-line status.</summary>
    public bool Status(string status) => Send("STATUS=" + status.ReplaceLineEndings(" "));

    /// <summary>One watchdog ping.</summary>
    public bool Watchdog() => Send("WATCHDOG=1");

    /// <summary>Sends a raw notification (newline-separated assignments); false when it could not be sent.</summary>
    public bool Send(string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var bytes = Encoding.UTF8.GetBytes(state);
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            try
            {
                _socket.SendTo(bytes, SocketFlags.None, _endPoint);
                LastError = null;
                return true;
            }
            catch (SocketException ex)
            {
                LastError = ex;
                return false;
            }
        }
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _socket.Dispose();
        }
    }
}
