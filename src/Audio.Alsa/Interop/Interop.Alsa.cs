using System.Runtime.InteropServices;

namespace VoiceAppliance.Audio.Alsa;

internal static partial class Interop
{
    /// <summary>libasound (alsa-lib) entry points. Signatures follow alsa/pcm.h; C long is nint.</summary>
    internal static partial class Alsa
    {
        [LibraryImport(Libraries.Alsa)]
        internal static partial IntPtr snd_asoundlib_version();

        [LibraryImport(Libraries.Alsa)]
        internal static partial IntPtr snd_strerror(int errnum);
    }
}
