namespace VoiceAppliance.Mqtt;

/// <summary>
/// A libmosquitto call failed. <see cref="ErrorCode"/> is the <c>mosq_err_t</c> value and the message
/// carries libmosquitto's own text for it (<c>mosquitto_strerror</c>).
/// </summary>
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

    /// <summary>Creates the exception for a libmosquitto error code.</summary>
    public MqttException(string message, int errorCode) : base(message) => ErrorCode = errorCode;

    /// <summary>The libmosquitto error code (<c>MOSQ_ERR_*</c>), or 0 when not from the library.</summary>
    public int ErrorCode { get; }
}

/// <summary>The one place that turns libmosquitto return codes into <see cref="MqttException"/>.</summary>
internal static class MosquittoError
{
    /// <summary>libmosquitto's description of <paramref name="code"/>; for <c>MOSQ_ERR_ERRNO</c> the errno text.</summary>
    public static string Describe(int code)
    {
        if (code == Interop.Mosquitto.MOSQ_ERR_ERRNO)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastSystemError();
            return $"system error {errno} ({new System.ComponentModel.Win32Exception(errno).Message})";
        }

        return Interop.Mosquitto.PtrToString(Interop.Mosquitto.mosquitto_strerror(code)) ?? $"error {code}";
    }

    /// <summary>Describes a CONNACK / MQTT 5 reason code from the broker.</summary>
    public static string DescribeConnack(int code, bool mqtt5) =>
        (mqtt5
            ? Interop.Mosquitto.PtrToString(Interop.Mosquitto.mosquitto_reason_string(code))
            : Interop.Mosquitto.PtrToString(Interop.Mosquitto.mosquitto_connack_string(code))) ?? $"reason {code}";

    /// <summary>Throws <see cref="MqttException"/> naming <paramref name="what"/> unless <paramref name="code"/> is success.</summary>
    public static void Check(int code, string what)
    {
        if (code != Interop.Mosquitto.MOSQ_ERR_SUCCESS)
        {
            throw new MqttException($"libmosquitto {what} failed: {Describe(code)} (MOSQ_ERR {code}).", code);
        }
    }
}
