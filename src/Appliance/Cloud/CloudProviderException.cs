namespace VoiceAppliance.Cloud;

/// <summary>
/// A cloud call failed. <see cref="Reason"/> is the short wire name reported as <c>fallback_reason</c> (<c>timeout</c>,
/// <c>connect_failed</c>, <c>http_429</c>, <c>http_500</c>, <c>malformed_response</c>, <c>stream_cut</c>,
/// <c>too_large</c>, <c>circuit_open</c>, <c>bad_tool_call</c>); the message says what happened, never a secret.
/// </summary>
public sealed class CloudProviderException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CloudProviderException()
        : this("error", "the cloud provider failed")
    {
    }

    /// <summary>Creates the exception.</summary>
    public CloudProviderException(string message)
        : this("error", message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CloudProviderException(string message, Exception innerException)
        : this("error", message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CloudProviderException(string reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>The short reason (<c>fallback_reason</c>).</summary>
    public string Reason { get; } = "error";
}
