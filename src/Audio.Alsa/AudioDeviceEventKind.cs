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
