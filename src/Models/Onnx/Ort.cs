using Microsoft.ML.OnnxRuntime;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models.Onnx;

/// <summary>
/// The process-wide ONNX Runtime environment (from the <c>Microsoft.ML.OnnxRuntime</c> package) and the one place
/// where an ORT failure becomes an <see cref="OnnxRuntimeException"/> that says what was being done.
/// </summary>
internal static class Ort
{
    /// <summary>ORT's native library as the package ships it (beside the binary, or under runtimes/&lt;rid&gt;/native).</summary>
    internal const string LibraryFile = "libonnxruntime.so";

    private const string Fix = "the ONNX Runtime library comes with the appliance (runtimes/<rid>/native in a build, beside the binary in a publish); reinstall or republish the appliance";

    // OrtErrorCode (onnxruntime_c_api.h) in value order, as the managed package names them in its messages.
    private static readonly string[] s_errorCodeNames =
        ["Ok", "Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError", "RuntimeException", "InvalidProtobuf", "ModelLoaded", "NotImplemented", "InvalidGraph", "ExecutionProviderFailure"];

    private static readonly Lock s_gate = new();
    private static volatile bool s_initialized;

    /// <summary>CPU memory for tensors over caller memory.</summary>
    public static OrtMemoryInfo CpuMemory
    {
        get
        {
            EnsureEnvironment();
            return OrtMemoryInfo.DefaultInstance;
        }
    }

    /// <summary>The runtime's version, for example "1.31.1".</summary>
    public static string Version
    {
        get
        {
            EnsureEnvironment();
            return OrtEnv.Instance().GetVersionString();
        }
    }

    /// <summary>Creates the environment once (error-level logging, no telemetry); a missing library is a clear error.</summary>
    public static void EnsureEnvironment()
    {
        if (s_initialized)
        {
            return;
        }

        lock (s_gate)
        {
            if (s_initialized)
            {
                return;
            }

            try
            {
                // Error level: ORT would print warnings to stderr itself; failures reach the caller as exceptions.
                var options = new EnvironmentCreationOptions { logId = "voice-appliance", logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
                var env = OrtEnv.CreateInstanceWithOptions(ref options);
                env.DisableTelemetryEvents();
            }
            catch (DllNotFoundException ex)
            {
                throw NativeDependency.Missing(LibraryFile, Fix, ex);
            }
            catch (TypeInitializationException ex) when (ex.InnerException is DllNotFoundException or EntryPointNotFoundException)
            {
                throw NativeDependency.Missing(LibraryFile, Fix, ex.InnerException);
            }

            s_initialized = true;
        }
    }

    /// <summary>Wraps ORT's exception with what was being done; keeps ORT's message and error code.</summary>
    public static OnnxRuntimeException Fail(Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex, string doing)
    {
        // ORT's managed messages start with "[ErrorCode:Name] ".
        var message = ex.Message;
        var code = 0;
        const string Prefix = "[ErrorCode:";
        if (message.StartsWith(Prefix, StringComparison.Ordinal))
        {
            var end = message.IndexOf(']', StringComparison.Ordinal);
            if (end > Prefix.Length)
            {
                code = Array.IndexOf(s_errorCodeNames, message[Prefix.Length..end]);
                code = code < 0 ? 1 : code;
                message = message[(end + 1)..].TrimStart();
            }
        }

        return new OnnxRuntimeException($"ONNX Runtime failed while {doing}: [{code}] {message}", code, ex);
    }

    /// <summary>The element type of an ORT metadata entry.</summary>
    internal static OnnxElementType ElementTypeOf(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType type) => (OnnxElementType)(int)type;
}
