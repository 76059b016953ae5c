using System.Runtime.InteropServices;

namespace VoiceAppliance;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>glibc's <c>int malloc_trim(size_t pad)</c>: returns free heap memory to the system; 1 if any was released.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "malloc_trim")]
        internal static partial int MallocTrim(nuint pad);
    }
}
