using System.Runtime.InteropServices;
using VoiceAppliance.Native;
using static VoiceAppliance.Models.Interop.OnnxRuntime;

namespace VoiceAppliance.Models.Onnx;

/// <summary>
/// The process-wide ORT API table and environment, and the one place where an <c>OrtStatus*</c> becomes an
/// <see cref="OnnxRuntimeException"/>.
/// </summary>
internal static unsafe class Ort
{
    private static readonly Lock s_gate = new();
    private static OrtApi* s_api;
    private static OrtEnvSafeHandle? s_env;
    private static nint s_cpuMemoryInfo;
    private static nint s_allocator;

    /// <summary>The OrtApi table for <see cref="ApiVersion"/>; loads libonnxruntime on first use.</summary>
    public static OrtApi* Api
    {
        get
        {
            var api = s_api;
            return api != null ? api : Initialize();
        }
    }

    /// <summary>The shared environment (ORT wants one per process).</summary>
    public static OrtEnvSafeHandle Env
    {
        get
        {
            _ = Api;
            return s_env!;
        }
    }

    /// <summary>CPU memory info for tensors over caller memory (never released).</summary>
    public static nint CpuMemoryInfo
    {
        get
        {
            _ = Api;
            return s_cpuMemoryInfo;
        }
    }

    /// <summary>ORT's default CPU allocator (owned by ORT, never released).</summary>
    public static nint DefaultAllocator
    {
        get
        {
            _ = Api;
            return s_allocator;
        }
    }

    /// <summary>Throws <see cref="OnnxRuntimeException"/> with ORT's message when <paramref name="status"/> is not null.</summary>
    public static void Check(nint status, string doing)
    {
        if (status != 0)
        {
            throw Fail(status, doing);
        }
    }

    /// <summary>Builds the exception for a failed status and releases the status.</summary>
    public static OnnxRuntimeException Fail(nint status, string doing)
    {
        var api = s_api;
        var code = api->GetErrorCode(status);
        var message = Marshal.PtrToStringUTF8((nint)api->GetErrorMessage(status)) ?? "(no message)";
        api->ReleaseStatus(status);
        return new OnnxRuntimeException($"ONNX Runtime failed while {doing}: [{code}] {message}", (int)code);
    }

    /// <summary>Reads and frees a string ORT allocated with the default allocator.</summary>
    public static string TakeString(byte* value)
    {
        if (value == null)
        {
            return string.Empty;
        }

        var text = Marshal.PtrToStringUTF8((nint)value) ?? string.Empty;
        Check(Api->AllocatorFree(s_allocator, value), "freeing a string");
        return text;
    }

    private static OrtApi* Initialize()
    {
        lock (s_gate)
        {
            if (s_api != null)
            {
                return s_api;
            }

            OrtApiBase* apiBase;
            try
            {
                apiBase = Interop.OnnxRuntime.OrtGetApiBase();
            }
            catch (DllNotFoundException ex)
            {
                throw NativeDependency.Missing(Interop.Libraries.OnnxRuntimeFile, Interop.Libraries.ProvisionFix, ex);
            }

            var api = (OrtApi*)apiBase->GetApi(ApiVersion);
            if (api == null)
            {
                var version = Marshal.PtrToStringUTF8((nint)apiBase->GetVersionString()) ?? "unknown";
                throw new OnnxRuntimeException(
                    $"{Interop.Libraries.OnnxRuntimeFile} {version} does not provide ORT API version {ApiVersion}; this build needs onnxruntime 1.30 or newer. Fix: {Interop.Libraries.ProvisionFix}");
            }

            nint env;
            var logId = "voice-appliance"u8;
            fixed (byte* logIdPtr = logId)
            {
                // Warning level: ORT logs errors and warnings to stderr itself; the caller gets the exception.
                var status = api->CreateEnv(OrtLoggingLevel.Error, logIdPtr, &env);
                if (status != 0)
                {
                    s_api = api;
                    var ex = Fail(status, "creating the environment");
                    s_api = null;
                    throw ex;
                }
            }

            nint memoryInfo;
            nint allocator;
            s_api = api;
            Check(api->DisableTelemetryEvents(env), "disabling telemetry");
            Check(api->CreateCpuMemoryInfo(OrtAllocatorType.Device, OrtMemType.Default, &memoryInfo), "creating CPU memory info");
            Check(api->GetAllocatorWithDefaultOptions(&allocator), "getting the default allocator");
            s_env = new OrtEnvSafeHandle(env);
            s_cpuMemoryInfo = memoryInfo;
            s_allocator = allocator;
            return api;
        }
    }
}
