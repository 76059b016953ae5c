namespace VoiceAppliance.Audio.Alsa;

/// <summary>The capture thread died on an unexpected error: the microphone stays dead until the process restarts.</summary>
public sealed class AudioCaptureFailedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public AudioCaptureFailedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public AudioCaptureFailedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AudioCaptureFailedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
