using System.Runtime.InteropServices;

namespace VoiceAppliance.Models;

internal static partial class Interop
{
    internal static partial class EspeakNg
    {
        /// <summary><c>const char *espeak_Info(const char **path_data)</c>: the library version.</summary>
        [LibraryImport(Libraries.EspeakNg)]
        internal static partial IntPtr espeak_Info(IntPtr pathData);
    }
}
