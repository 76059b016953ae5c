namespace VoiceAppliance.Cli;

/// <summary>Process exit codes (sysexits.h), so scripts and systemd can tell failures apart.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The command ran and found nothing (<c>vad</c>: no speech in the file), as <c>grep</c> does.</summary>
    public const int NothingFound = 1;

    /// <summary>The command was used wrongly (EX_USAGE).</summary>
    public const int Usage = 64;

    /// <summary>An input file (audio, model) is unreadable or malformed (EX_DATAERR).</summary>
    public const int DataError = 65;

    /// <summary>A native library, model or device the command needs is missing (EX_UNAVAILABLE).</summary>
    public const int MissingDependency = 69;

    /// <summary>An internal error (EX_SOFTWARE).</summary>
    public const int Software = 70;

    /// <summary>A file the command was told to read or write could not be (a missing folder, no permission, a device error) (EX_IOERR).</summary>
    public const int IoError = 74;

    /// <summary>The configuration is invalid (EX_CONFIG).</summary>
    public const int Config = 78;
}
