using System.Runtime.InteropServices;
using VoiceAppliance.Native;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>Facts about the loaded libasound.</summary>
public static class AlsaLibrary
{
    /// <summary>The version of the loaded libasound, for example "1.2.8".</summary>
    /// <exception cref="DllNotFoundException">libasound.so.2 is not installed; the message names the fix.</exception>
    public static string Version
    {
        get
        {
            try
            {
                return Marshal.PtrToStringUTF8(Interop.Alsa.snd_asoundlib_version()) ?? "unknown";
            }
            catch (DllNotFoundException ex)
            {
                throw NativeDependency.Missing(Interop.Libraries.AlsaFile, Interop.Libraries.AlsaFix, ex);
            }
        }
    }

    /// <summary>The text alsa-lib gives for a negative error code.</summary>
    public static string ErrorText(int error) =>
        Marshal.PtrToStringUTF8(Interop.Alsa.snd_strerror(error)) ?? $"ALSA error {error}";
}
