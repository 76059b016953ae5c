namespace VoiceAppliance.Cloud;

/// <summary>
/// After <c>threshold</c> consecutive failures the provider is skipped for <c>coolDown</c> (open); then one call is let
/// through (half-open): success closes the circuit, failure opens it for another cool-down. A probe whose caller never
/// reports (its turn was cancelled) expires after a cool-down, so the circuit cannot stay stuck half-open. Thread-safe.
/// </summary>
public sealed class CircuitBreaker(int threshold, TimeSpan coolDown, TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _failures;
    private long _openUntil;
    private bool _probing;
    private long _probeUntil;

    /// <summary>Consecutive failures so far.</summary>
    public int Failures
    {
        get
        {
            lock (_gate)
            {
                return _failures;
            }
        }
    }

    /// <summary>Whether the circuit is open now (the provider is skipped).</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _failures >= threshold && time.GetTimestamp() < _openUntil;
            }
        }
    }

    /// <summary>True when a call may go to the provider now (closed, or the one probe after a cool-down).</summary>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_failures < threshold)
            {
                return true;
            }

            var now = time.GetTimestamp();
            if (now < _openUntil || (_probing && now < _probeUntil))
            {
                return false;
            }

            _probing = true;
            _probeUntil = now + (long)(coolDown.TotalSeconds * time.TimestampFrequency);
            return true;
        }
    }

    /// <summary>The call succeeded: the circuit closes.</summary>
    public void Success()
    {
        lock (_gate)
        {
            _failures = 0;
            _probing = false;
        }
    }

    /// <summary>The call failed; the threshold-th failure (or a failed probe) opens the circuit for the cool-down.</summary>
    public void Failure()
    {
        lock (_gate)
        {
            _probing = false;
            _failures = Math.Min(_failures + 1, threshold);
            if (_failures >= threshold)
            {
                _openUntil = time.GetTimestamp() + (long)(coolDown.TotalSeconds * time.TimestampFrequency);
            }
        }
    }
}
