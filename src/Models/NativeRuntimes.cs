using System.Runtime.InteropServices;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models;

/// <summary>Versions of the native runtimes the speech engines run on, loaded on first use.</summary>
public static class NativeRuntimes
{
    /// <summary>The ONNX Runtime version (from the Microsoft.ML.OnnxRuntime package), for example "1.31.1".</summary>
    /// <exception cref="DllNotFoundException">libonnxruntime.so is missing; the message names the fix.</exception>
    public static string OnnxRuntimeVersion => Onnx.Ort.Version;

    /// <summary>
    /// The version of the whisper.cpp build Whisper.net.Runtime ships (its <c>whisper_version()</c>), for
    /// example "1.8.5"; loaded from <c>runtimes/&lt;rid&gt;/</c> beside the app, not from <c>native/</c>.
    /// </summary>
    /// <exception cref="DllNotFoundException">libwhisper.so is missing; the message names the fix.</exception>
    public static string WhisperVersion => Whisper.WhisperRuntime.Version;

    /// <summary>The version of the Whisper.net binding (the package version, for example "1.9.1").</summary>
    public static string WhisperNetVersion => Whisper.WhisperRuntime.BindingVersion;

    /// <summary>The espeak-ng version, for example "1.51".</summary>
    public static string EspeakNgVersion => Load(
        Interop.Libraries.EspeakNgFile,
        Interop.Libraries.EspeakFix,
        static () => Marshal.PtrToStringUTF8(Interop.EspeakNg.espeak_Info(IntPtr.Zero)));

    private static string Load(string file, string fix, Func<string?> read)
    {
        try
        {
            return read() ?? "unknown";
        }
        catch (DllNotFoundException ex)
        {
            throw NativeDependency.Missing(file, fix, ex);
        }
        catch (EntryPointNotFoundException ex)
        {
            throw NativeDependency.Missing(file, "the loaded library is not the expected version; " + fix, ex);
        }
    }
}
