using System.Runtime.InteropServices;

namespace VoiceAppliance.Models;

internal static partial class Interop
{
    internal static unsafe partial class EspeakNg
    {
        /// <summary><c>AUDIO_OUTPUT_SYNCHRONOUS</c>: no audio device, synthesis only on request.</summary>
        internal const int AudioOutputSynchronous = 2;

        /// <summary><c>espeakINITIALIZE_DONT_EXIT</c>: return an error instead of calling exit() when data is missing.</summary>
        internal const int InitializeDontExit = 0x8000;

        /// <summary><c>espeakCHARS_UTF8</c>.</summary>
        internal const int CharsUtf8 = 1;

        /// <summary>phonememode bit 1: IPA as UTF-8 (<c>espeakPHONEMES_IPA</c>).</summary>
        internal const int PhonemesIpa = 0x02;

        /// <summary><c>int espeak_Initialize(espeak_AUDIO_OUTPUT output, int buflength, const char *path, int options)</c>: the sample rate, or -1.</summary>
        [LibraryImport(Libraries.EspeakNg, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int espeak_Initialize(int output, int bufferLength, string? path, int options);

        /// <summary><c>espeak_ERROR espeak_SetVoiceByName(const char *name)</c>: 0 (EE_OK) on success.</summary>
        [LibraryImport(Libraries.EspeakNg, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int espeak_SetVoiceByName(string name);

        /// <summary>
        /// <c>const char *espeak_TextToPhonemes(const void **textptr, int textmode, int phonememode)</c>: the phonemes of
        /// the next clause; advances <paramref name="textPointer"/> and sets it to NULL at the end of the text.
        /// </summary>
        [LibraryImport(Libraries.EspeakNg)]
        internal static partial byte* espeak_TextToPhonemes(byte** textPointer, int textMode, int phonemeMode);

        // espeak_Terminate is deliberately not bound: with Debian's 1.51 it can deadlock joining espeak-ng's thread.
    }
}
