using System.Runtime.InteropServices;

namespace VoiceAppliance.Models;

internal static partial class Interop
{
    internal static unsafe partial class OnnxRuntime
    {
        /// <summary>onnxruntime_c_api.h: <c>struct OrtApiBase { GetApi; GetVersionString; }</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct OrtApiBase
        {
            public delegate* unmanaged[Cdecl]<uint, void*> GetApi;
            public delegate* unmanaged[Cdecl]<byte*> GetVersionString;
        }

        [LibraryImport(Libraries.OnnxRuntime)]
        internal static partial OrtApiBase* OrtGetApiBase();
    }

    internal static partial class EspeakNg
    {
        /// <summary><c>const char *espeak_Info(const char **path_data)</c>: the library version.</summary>
        [LibraryImport(Libraries.EspeakNg)]
        internal static partial IntPtr espeak_Info(IntPtr pathData);
    }
}
