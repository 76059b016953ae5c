namespace VoiceAppliance.Audio.Alsa;

/// <summary>What happened to an audio device.</summary>
public enum AudioDeviceEventKind
{
    /// <summary>The device was opened (first time).</summary>
    Opened,

    /// <summary>An xrun (-EPIPE) or suspend (-ESTRPIPE) was recovered in place.</summary>
    Recovered,

    /// <summary>The device failed in a way that needs a reopen (gone, unplugged, driver reloaded).</summary>
    Lost,

    /// <summary>A reopen attempt failed; another follows after <see cref="AudioDeviceEventArgs.RetryIn"/>.</summary>
    ReopenFailed,

    /// <summary>The device is back after being lost.</summary>
    Reopened,
}

/// <summary>An audio device event, raised on the audio thread: handlers must return quickly.</summary>
public sealed class AudioDeviceEventArgs : EventArgs
{
    /// <summary>Creates the event.</summary>
    public AudioDeviceEventArgs(AudioDeviceEventKind kind, string device, AlsaException? error = null, int attempt = 0, TimeSpan retryIn = default)
    {
        Kind = kind;
        Device = device;
        Error = error;
        Attempt = attempt;
        RetryIn = retryIn;
    }

    /// <summary>What happened.</summary>
    public AudioDeviceEventKind Kind { get; }

    /// <summary>The PCM name.</summary>
    public string Device { get; }

    /// <summary>The error, for <see cref="AudioDeviceEventKind.Lost"/>, <see cref="AudioDeviceEventKind.ReopenFailed"/> and <see cref="AudioDeviceEventKind.Recovered"/>.</summary>
    public AlsaException? Error { get; }

    /// <summary>Reopen attempt number (1 = first) for reopen events.</summary>
    public int Attempt { get; }

    /// <summary>Delay before the next reopen attempt.</summary>
    public TimeSpan RetryIn { get; }
}

/// <summary>Capped exponential backoff for reopening a device.</summary>
internal struct ReopenBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _maximum;
    private TimeSpan _next;

    public ReopenBackoff(TimeSpan initial, TimeSpan maximum)
    {
        _initial = initial <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : initial;
        _maximum = maximum < _initial ? _initial : maximum;
        _next = _initial;
        Attempt = 0;
    }

    public int Attempt { get; private set; }

    /// <summary>The delay before the next attempt; doubles up to the cap.</summary>
    public TimeSpan Next()
    {
        Attempt++;
        var delay = _next;
        var doubled = _next * 2;
        _next = doubled > _maximum ? _maximum : doubled;
        return delay;
    }

    public void Reset()
    {
        _next = _initial;
        Attempt = 0;
    }
}
