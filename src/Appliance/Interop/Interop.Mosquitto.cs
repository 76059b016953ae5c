using System.Runtime.InteropServices;

namespace VoiceAppliance;

internal static partial class Interop
{
    /// <summary>libmosquitto 2.0 entry points (mosquitto.h).</summary>
    internal static partial class Mosquitto
    {
        [LibraryImport(Libraries.Mosquitto)]
        internal static partial int mosquitto_lib_version(out int major, out int minor, out int revision);
    }
}
