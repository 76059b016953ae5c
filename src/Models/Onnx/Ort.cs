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
    private static nint s_api; // OrtApi*, published last so readers never see a half-initialised runtime
    private static OrtEnvSafeHandle? s_env;
    private static nint s_cpuMemoryInfo;
    private static nint s_allocator;

    /// <summary>The OrtApi table for <see cref="ApiVersion"/>; loads libonnxruntime on first use.</summary>
    public static OrtApi* Api
    {
        get
        {
            var api = (OrtApi*)Volatile.Read(ref s_api);
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
    public static OnnxRuntimeException Fail(nint status, string doing) => Fail((OrtApi*)Volatile.Read(ref s_api), status, doing);

    private static OnnxRuntimeException Fail(OrtApi* api, nint status, string doing)
    {
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

    private static void CheckInit(OrtApi* api, nint status, string doing)
    {
        if (status != 0)
        {
            throw Fail(api, status, doing);
        }
    }

    private static OrtApi* Initialize()
    {
        lock (s_gate)
        {
            if (s_api != 0)
            {
                return (OrtApi*)s_api;
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
            nint memoryInfo;
            nint allocator;
            var logId = "voice-appliance"u8;
            fixed (byte* logIdPtr = logId)
            {
                // Error level: ORT would print warnings to stderr itself; failures reach the caller as exceptions.
                CheckInit(api, api->CreateEnv(OrtLoggingLevel.Error, logIdPtr, &env), "creating the environment");
            }

            CheckInit(api, api->DisableTelemetryEvents(env), "disabling telemetry");
            CheckInit(api, api->CreateCpuMemoryInfo(OrtAllocatorType.Device, OrtMemType.Default, &memoryInfo), "creating CPU memory info");
            CheckInit(api, api->GetAllocatorWithDefaultOptions(&allocator), "getting the default allocator");
            s_env = new OrtEnvSafeHandle(env);
            s_cpuMemoryInfo = memoryInfo;
            s_allocator = allocator;
            Volatile.Write(ref s_api, (nint)api);
            return api;
        }
    }
}
