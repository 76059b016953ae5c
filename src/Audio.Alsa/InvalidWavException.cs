using System.Buffers.Binary;
using System.Text;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>The error for a file that is not a WAV this code can read; the message names file and problem.</summary>
public sealed class InvalidWavException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidWavException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public InvalidWavException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public InvalidWavException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
