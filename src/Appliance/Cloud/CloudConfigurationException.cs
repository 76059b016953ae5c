namespace VoiceAppliance.Cloud;

/// <summary>A cloud provider cannot be set up (key file, options); the message names the key and the fix.</summary>
public sealed class CloudConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CloudConfigurationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CloudConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CloudConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
