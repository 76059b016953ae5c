using System.Runtime.InteropServices;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>Lists PCM devices through <c>snd_device_name_hint</c> (what <c>arecord -L</c> / <c>aplay -L</c> show).</summary>
public static class AlsaDevices
{
    /// <summary>Every PCM ALSA knows of (cards, plugins and the system configuration's virtual devices).</summary>
    /// <exception cref="AlsaException">alsa-lib could not read its configuration.</exception>
    public static IReadOnlyList<AlsaDeviceInfo> List()
    {
        AlsaException.Check(Interop.Alsa.snd_device_name_hint(-1, "pcm", out var hints), "pcm", "snd_device_name_hint");
        var result = new List<AlsaDeviceInfo>();
        try
        {
            for (var p = hints; ; p += IntPtr.Size)
            {
                var hint = Marshal.ReadIntPtr(p);
                if (hint == IntPtr.Zero)
                {
                    break;
                }

                var name = Take(hint, "NAME");
                if (string.IsNullOrEmpty(name))
                {
                    continue;
                }

                var description = (Take(hint, "DESC") ?? name).Replace('\n', ' ');
                var io = Take(hint, "IOID"); // null: both directions
                result.Add(new AlsaDeviceInfo(name, description, io is null or "Input", io is null or "Output"));
            }
        }
        finally
        {
            _ = Interop.Alsa.snd_device_name_free_hint(hints);
        }

        return result;
    }

    /// <summary>The devices usable for capture.</summary>
    public static IReadOnlyList<AlsaDeviceInfo> Capture() => List().Where(d => d.CanCapture).ToList();

    /// <summary>The devices usable for playback.</summary>
    public static IReadOnlyList<AlsaDeviceInfo> Playback() => List().Where(d => d.CanPlay).ToList();

    private static string? Take(IntPtr hint, string id)
    {
        var p = Interop.Alsa.snd_device_name_get_hint(hint, id);
        if (p == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            Interop.Libc.free(p);
        }
    }
}
