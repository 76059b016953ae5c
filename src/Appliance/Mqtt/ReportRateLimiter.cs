namespace VoiceAppliance.Mqtt;

/// <summary>
/// Lets at most <c>burst</c> reports through per <c>window</c> and counts the rest, so a flood of bad input costs a few
/// log lines and error messages, not one per message. The first report after a suppressed stretch carries the count.
/// Thread-safe.
/// </summary>
internal sealed class ReportRateLimiter(int burst, TimeSpan window, TimeProvider time)
{
    private readonly Lock _gate = new();
    private long _windowStart = long.MinValue;
    private int _inWindow;
    private long _suppressed;

    /// <summary>Reports suppressed so far in total.</summary>
    public long TotalSuppressed { get; private set; }

    /// <summary>
    /// True when this report may go out; <paramref name="suppressedBefore"/> is how many were held back since the last one
    /// that went out (report it with this one).
    /// </summary>
    public bool TryAcquire(out long suppressedBefore)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_windowStart == long.MinValue || time.GetElapsedTime(_windowStart, now) >= window)
            {
                _windowStart = now;
                _inWindow = 0;
            }

            if (_inWindow < burst)
            {
                _inWindow++;
                suppressedBefore = _suppressed;
                _suppressed = 0;
                return true;
            }

            _suppressed++;
            TotalSuppressed++;
            suppressedBefore = 0;
            return false;
        }
    }
}
