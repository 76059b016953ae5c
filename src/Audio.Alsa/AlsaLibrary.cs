using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using VoiceAppliance.Native;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>Facts about the loaded libasound.</summary>
public static unsafe class AlsaLibrary
{
    private static Action<string>? s_errorSink;
    private static int s_handlerInstalled;

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

    /// <summary>
    /// Routes alsa-lib's own error lines (<c>ALSA lib pcm.c:2722:(snd_pcm_open_noupdate) Unknown PCM mic</c>, which it
    /// otherwise prints on stderr before the appliance's message) to <paramref name="sink"/>, e.g. a logger at debug
    /// level; null drops them. The appliance's own exceptions already name the device, the operation and the fix.
    /// Returns false when libasound is not installed (nothing to route).
    /// </summary>
    public static bool RouteErrors(Action<string>? sink)
    {
        Volatile.Write(ref s_errorSink, sink);
        if (Interlocked.Exchange(ref s_handlerInstalled, 1) == 1)
        {
            return true;
        }

        try
        {
            _ = Interop.Alsa.snd_lib_error_set_handler(&OnError);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_handlerInstalled, 0);
            return false;
        }
    }

    /// <summary>One alsa-lib error line as the appliance logs it; the format's conversions stay as written (the variadic values cannot be read).</summary>
    internal static string FormatError(string? file, int line, string? function, int error, string? format)
    {
        var text = new StringBuilder("libasound");
        if (!string.IsNullOrEmpty(function))
        {
            text.Append(' ').Append(function);
        }

        if (!string.IsNullOrEmpty(file))
        {
            text.Append(" (").Append(file).Append(':').Append(line).Append(')');
        }

        text.Append(": ").Append((format ?? string.Empty).TrimEnd('\n'));
        if (error != 0)
        {
            text.Append(" [").Append(ErrorText(error < 0 ? error : -error)).Append(']');
        }

        return text.ToString();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnError(byte* file, int line, byte* function, int error, byte* format)
    {
        try
        {
            if (Volatile.Read(ref s_errorSink) is { } sink)
            {
                sink(FormatError(Marshal.PtrToStringUTF8((nint)file), line, Marshal.PtrToStringUTF8((nint)function), error, Marshal.PtrToStringUTF8((nint)format)));
            }
        }
        catch (Exception)
        {
            // Never let an exception cross into alsa-lib.
        }
    }
}
