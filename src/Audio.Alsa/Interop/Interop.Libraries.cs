using System.Runtime.CompilerServices;
using VoiceAppliance.Native;

namespace VoiceAppliance.Audio.Alsa;

internal static partial class Interop
{
    internal static class Libraries
    {
        internal const string Alsa = "asound";
        internal const string AlsaFile = "libasound.so.2";
        internal const string Libc = "c";
        internal const string AlsaFix = "install the Debian package libasound2 (sudo apt-get install libasound2), or run ./build.sh provision";

        // A library's resolver must be in place before its first P/Invoke, whichever type makes it.
        [ModuleInitializer]
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Registers this assembly's native library resolver before any P/Invoke.")]
        internal static void Register() => NativeLibraryLoader.Register(
            typeof(Libraries).Assembly,
            new Dictionary<string, string[]>
            {
                [Alsa] = [AlsaFile, "libasound.so"],
                [Libc] = ["libc.so.6"],
            });
    }
}
