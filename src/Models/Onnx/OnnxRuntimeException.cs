namespace VoiceAppliance.Models.Onnx;

/// <summary>An ONNX Runtime call failed; the message is ORT's own, prefixed with what was being done.</summary>
public sealed class OnnxRuntimeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OnnxRuntimeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public OnnxRuntimeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public OnnxRuntimeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal OnnxRuntimeException(string message, int errorCode, Exception? innerException = null)
        : base(message, innerException) => ErrorCode = errorCode;

    /// <summary>ORT's <c>OrtErrorCode</c> (for example 3 = NO_SUCHFILE, 7 = INVALID_PROTOBUF), 0 when not from ORT.</summary>
    public int ErrorCode { get; }
}
