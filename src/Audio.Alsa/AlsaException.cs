namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// An ALSA call failed. The message names the device, the call and alsa-lib's own text for the error
/// (<c>snd_strerror</c>); <see cref="ErrorCode"/> is the negative errno alsa-lib returned.
/// </summary>
public sealed class AlsaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AlsaException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public AlsaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AlsaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a negative alsa-lib return code.</summary>
    public AlsaException(string device, string operation, int errorCode)
        : base(Describe(device, operation, errorCode))
    {
        Device = device;
        Operation = operation;
        ErrorCode = errorCode;
    }

    /// <summary>The PCM or card name the call was made on.</summary>
    public string? Device { get; }

    /// <summary>The alsa-lib function that failed.</summary>
    public string? Operation { get; }

    /// <summary>The negative errno alsa-lib returned (for example -19 for "No such device").</summary>
    public int ErrorCode { get; }

    /// <summary>Throws for a negative <paramref name="result"/>; returns it otherwise. The one place ALSA codes become exceptions.</summary>
    internal static int Check(int result, string device, string operation) =>
        result < 0 ? throw new AlsaException(device, operation, result) : result;

    private static string Describe(string device, string operation, int errorCode)
    {
        var hint = -errorCode switch
        {
            2 => " Check the device name: list devices with 'aplay -L' / 'arecord -L' (or the appliance's device listing) and use one of those names, for example plughw:CARD=seeed2micvoicec,DEV=0.",
            16 => " The device is in use by another program; stop it or use a dmix/dsnoop device.",
            19 => " The device went away (unplugged or driver reloaded).",
            22 => " The device does not accept these settings; a plughw: device converts format, rate and channels.",
            _ => string.Empty,
        };
        return $"ALSA device '{device}': {operation} failed: {AlsaLibrary.ErrorText(errorCode)} ({errorCode}).{hint}";
    }
}
