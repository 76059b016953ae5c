using System.Runtime.CompilerServices;
using VoiceAppliance.Native;

namespace VoiceAppliance;

internal static partial class Interop
{
    internal static class Libraries
    {
        internal const string Mosquitto = "mosquitto";
        internal const string MosquittoFile = "libmosquitto.so.1";
        internal const string MosquittoFix = "install the Debian package libmosquitto1 (sudo apt-get install libmosquitto1)";
        internal const string Libc = "c";
        internal const string LibcFile = "libc.so.6";

        // A library's resolver must be in place before its first P/Invoke, whichever type makes it.
        [ModuleInitializer]
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Registers this assembly's native library resolver before any P/Invoke.")]
        internal static void Register() => NativeLibraryLoader.Register(
            typeof(Libraries).Assembly,
            new Dictionary<string, string[]>
            {
                [Mosquitto] = [MosquittoFile, "libmosquitto.so"],
                [Libc] = [LibcFile],
            });
    }
}
