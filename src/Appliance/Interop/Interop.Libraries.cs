using System.Runtime.CompilerServices;
using VoiceAppliance.Native;

namespace VoiceAppliance;

internal static partial class Interop
{
    internal static class Libraries
    {
        internal const string Libc = "c";
        internal const string LibcFile = "libc.so.6";

        // A library's resolver must be in place before its first P/Invoke, whichever type makes it.
        [ModuleInitializer]
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Registers this assembly's native library resolver before any P/Invoke.")]
        internal static void Register() => NativeLibraryLoader.Register(
            typeof(Libraries).Assembly,
            new Dictionary<string, string[]>
            {
                [Libc] = [LibcFile],
            });
    }
}
