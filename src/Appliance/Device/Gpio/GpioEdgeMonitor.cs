namespace VoiceAppliance.Device.Gpio;

/// <summary>
/// Runs the blocking edge wait of one input line on a dedicated thread and hands each edge to a callback.
/// A line that fails (chip removed, driver reloaded) is reported through <see cref="Faulted"/> and reopened
/// with capped exponential backoff; it is an event to recover from, not a crash.
/// </summary>
public sealed class GpioEdgeMonitor : IDisposable
{
    private static readonly TimeSpan s_pollSlice = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(30);

    private readonly Func<IGpioInput> _open;
    private readonly Action<GpioEdgeEvent> _onEdge;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _healthy;

    /// <summary>Creates the monitor; call <see cref="Start"/> to begin.</summary>
    /// <param name="open">Opens (and reopens after a failure) the input line.</param>
    /// <param name="onEdge">Called on the monitor thread for each edge; keep it short.</param>
    public GpioEdgeMonitor(Func<IGpioInput> open, Action<GpioEdgeEvent> onEdge)
    {
        _open = open ?? throw new ArgumentNullException(nameof(open));
        _onEdge = onEdge ?? throw new ArgumentNullException(nameof(onEdge));
        _thread = new Thread(Run) { IsBackground = true, Name = "gpio-edges" };
    }

    /// <summary>Raised on the monitor thread when opening or reading the line fails; the monitor retries.</summary>
    public event Action<Exception>? Faulted;

    /// <summary>Raised on the monitor thread once the line is open, with its logical level at that moment.</summary>
    public event Action<bool>? Opened;

    /// <summary>True while the line is open and being read.</summary>
    public bool IsHealthy => _healthy;

    /// <summary>Starts the thread.</summary>
    public void Start() => _thread.Start();

    private void Run()
    {
        var backoff = TimeSpan.FromMilliseconds(500);
        while (!_stop.IsCancellationRequested)
        {
            IGpioInput? line = null;
            try
            {
                line = _open();
                _healthy = true;
                backoff = TimeSpan.FromMilliseconds(500);
                Opened?.Invoke(line.Read());
                while (!_stop.IsCancellationRequested)
                {
                    if (line.WaitForEdge(s_pollSlice, out var edge))
                    {
                        _onEdge(edge);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                _healthy = false;
                Faulted?.Invoke(ex);
                _stop.Token.WaitHandle.WaitOne(backoff);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
            }
            finally
            {
                line?.Dispose();
            }
        }

        _healthy = false;
    }

    /// <summary>Stops the thread (within one poll slice) and releases the line.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        _stop.Dispose();
    }
}
