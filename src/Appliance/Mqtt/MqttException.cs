namespace VoiceAppliance.Mqtt;

/// <summary>An MQTT operation failed (not connected, refused by the broker, a TLS file that cannot be read); the message says which and why.</summary>
public sealed class MqttException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MqttException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
