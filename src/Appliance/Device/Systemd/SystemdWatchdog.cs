namespace VoiceAppliance.Device.Systemd;

/// <summary>
/// Pings the systemd watchdog at half its timeout, but only while <c>isHealthy</c> says capture and the
/// pipeline are healthy: a stuck pipeline stops the pings and systemd restarts the service
/// (<c>WatchdogSec=</c> with <c>Restart=on-failure</c>). Timed by a <see cref="TimeProvider"/>.
/// </summary>
public sealed class SystemdWatchdog : IDisposable
{
    private readonly SystemdNotifier _notifier;
    private readonly Func<bool> _isHealthy;
    private readonly ITimer _timer;
    private long _sent;
    private long _skipped;

    /// <summary>Creates the watchdog; it starts pinging at once (first ping after half the timeout).</summary>
    /// <param name="notifier">Where pings go.</param>
    /// <param name="timeout">systemd's watchdog timeout (<see cref="SystemdNotifier.WatchdogTimeout"/>).</param>
    /// <param name="isHealthy">True while capture and the pipeline are healthy; called on the timer thread.</param>
    /// <param name="timeProvider">Timer source.</param>
    public SystemdWatchdog(SystemdNotifier notifier, TimeSpan timeout, Func<bool> isHealthy, TimeProvider timeProvider)
    {
        _notifier = notifier ?? throw new ArgumentNullException(nameof(notifier));
        _isHealthy = isHealthy ?? throw new ArgumentNullException(nameof(isHealthy));
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Interval = timeout / 2;
        _timer = timeProvider.CreateTimer(_ => Tick(), null, Interval, Interval);
    }

    /// <summary>Time between health checks (half the watchdog timeout).</summary>
    public TimeSpan Interval { get; }

    /// <summary>Pings sent.</summary>
    public long PingsSent => Interlocked.Read(ref _sent);

    /// <summary>Checks where the predicate said unhealthy (or threw) and no ping went out.</summary>
    public long PingsSkipped => Interlocked.Read(ref _skipped);

    /// <summary>Raised (on the timer thread) when a check finds the appliance unhealthy.</summary>
    public event Action? Unhealthy;

    private void Tick()
    {
        bool healthy;
        try
        {
            healthy = _isHealthy();
        }
#pragma warning disable CA1031 // a failing health probe means unhealthy, whatever it threw
        catch (Exception)
#pragma warning restore CA1031
        {
            healthy = false;
        }

        if (healthy && _notifier.Watchdog())
        {
            Interlocked.Increment(ref _sent);
            return;
        }

        Interlocked.Increment(ref _skipped);
        if (!healthy)
        {
            Unhealthy?.Invoke();
        }
    }

    /// <summary>Stops pinging.</summary>
    public void Dispose() => _timer.Dispose();
}
