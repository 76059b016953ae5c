namespace VoiceAppliance.Hosting;

/// <summary>
/// A model file, native library or device the daemon needs is absent. The message names the file and the fix;
/// <c>appliance run</c> exits with 69 (EX_UNAVAILABLE).
/// </summary>
public sealed class MissingDependencyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MissingDependencyException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MissingDependencyException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public MissingDependencyException(string message)
        : base(message)
    {
    }
}
