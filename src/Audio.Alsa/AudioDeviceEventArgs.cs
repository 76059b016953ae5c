namespace VoiceAppliance.Audio.Alsa;

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
