using System.Runtime.CompilerServices;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models;

internal static partial class Interop
{
    internal static class Libraries
    {
        internal const string EspeakNg = "espeak-ng";
        internal const string EspeakNgFile = "libespeak-ng.so.1";
        internal const string PocketSphinx = "pocketsphinx";
        internal const string PocketSphinxFile = "libpocketsphinx.so.3";
        internal const string SphinxBase = "sphinxbase";
        internal const string SphinxBaseFile = "libsphinxbase.so.3";

        internal const string EspeakFix = "install the Debian packages libespeak-ng1 espeak-ng-data (sudo apt-get install libespeak-ng1 espeak-ng-data)";
        internal const string PocketSphinxFix = "install the Debian packages libpocketsphinx3 pocketsphinx-en-us (sudo apt-get install libpocketsphinx3 pocketsphinx-en-us)";

        // A library's resolver must be in place before its first P/Invoke, whichever type makes it.
        [ModuleInitializer]
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Registers this assembly's native library resolver before any P/Invoke.")]
        internal static void Register() => NativeLibraryLoader.Register(
            typeof(Libraries).Assembly,
            new Dictionary<string, string[]>
            {
                [EspeakNg] = [EspeakNgFile, "libespeak-ng.so"],
                [PocketSphinx] = [PocketSphinxFile, "libpocketsphinx.so"],
                [SphinxBase] = [SphinxBaseFile, "libsphinxbase.so"],
            });
    }
}
