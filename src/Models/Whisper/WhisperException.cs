namespace VoiceAppliance.Models.Whisper;

/// <summary>A whisper.cpp call failed; the message carries the function, its return code and whisper.cpp's own log line.</summary>
public sealed class WhisperException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public WhisperException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public WhisperException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public WhisperException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private WhisperException(string message, int nativeCode, Exception? innerException)
        : base(message, innerException) => NativeCode = nativeCode;

    /// <summary>The return code of the failed native call (0 when it returned a null pointer).</summary>
    public int NativeCode { get; }

    /// <summary>The one place that turns a whisper.cpp failure into an exception.</summary>
    internal static WhisperException FromNative(string function, int code, string? nativeLog, string? fix = null, Exception? innerException = null)
    {
        var meaning = function == "whisper_full_with_state" ? code switch
        {
            -2 => "failed to compute the log-mel spectrogram",
            -3 => "failed to detect the language",
            -4 => "too many decoders requested",
            -5 => "audio_ctx larger than the model's",
            -6 => "encoder failed",
            -7 => "could not allocate the decoder's KV cache (out of memory?)",
            -8 or -9 => "decoder failed",
            _ => "failed",
        }
        : "failed";
        var message = $"{function} {meaning} (code {code})";
        if (!string.IsNullOrEmpty(nativeLog))
        {
            message += ": whisper.cpp says: " + nativeLog;
        }

        if (fix is not null)
        {
            message += ". Fix: " + fix;
        }

        return new WhisperException(message, code, innerException);
    }
}
