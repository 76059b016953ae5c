using System.Runtime.InteropServices;
using System.Text;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models.Piper;

/// <summary>
/// Text to IPA phonemes through libespeak-ng, the way Piper does it: per clause, IPA mode, the voice's espeak
/// language. espeak-ng is process-global and not thread-safe, so every call takes one process-wide lock, and the
/// library is (re)initialised only when the data folder changes.
/// </summary>
public static class EspeakPhonemizer
{
    private static readonly Lock s_gate = new();
    private static bool s_initialized;
    private static string? s_dataPath;
    private static string? s_voice;

    /// <summary>The files a usable espeak-ng-data folder must have for libespeak-ng 1.51.</summary>
    private static readonly string[] s_requiredDataFiles = ["phontab", "phonindex", "phondata", "intonations"];

    /// <summary>
    /// Picks the espeak-ng-data folder: <paramref name="configured"/> when given (it must be usable), else the
    /// voice's bundled folder when the installed library can read it, else null (the library's own data, from
    /// Debian's espeak-ng-data package). Debian's 1.51 cannot read the data bundled with sherpa-onnx voices (built by
    /// a newer espeak-ng, without the separate <c>intonations</c> file), so those voices use the system data.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The configured folder is missing or incomplete; the message names the missing files.</exception>
    public static string? ResolveDataPath(string? configured, string? bundled)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            var missing = MissingFiles(configured);
            if (missing.Length > 0)
            {
                throw new DirectoryNotFoundException(
                    $"espeak-ng data folder '{configured}' is not usable: it lacks {string.Join(", ", missing)}. Fix: point the setting at an espeak-ng-data folder of espeak-ng 1.51 (Debian: /usr/lib/{RuntimeTriplet}/espeak-ng-data from espeak-ng-data), or leave it empty to use the installed data.");
            }

            return Path.GetFullPath(configured);
        }

        return !string.IsNullOrEmpty(bundled) && MissingFiles(bundled).Length == 0 ? Path.GetFullPath(bundled) : null;
    }

    /// <summary>
    /// IPA phonemes of <paramref name="text"/> (one sentence) in espeak <paramref name="voice"/> (for example "en-us"),
    /// with clause punctuation (<c>, ; : . ! ?</c>) kept between clauses as Piper expects.
    /// </summary>
    /// <exception cref="InvalidOperationException">espeak-ng failed to start or does not know the voice; the message says why.</exception>
    public static unsafe string Phonemize(string text, string voice, string? dataPath = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(voice);
        var clauses = SplitClauses(text);
        var result = new StringBuilder(text.Length * 2);
        lock (s_gate)
        {
            EnsureVoice(voice, dataPath);
            foreach (var (clause, punctuation) in clauses)
            {
                var bytes = Encoding.UTF8.GetBytes(clause + "\0");
                var clauseStart = result.Length;
                fixed (byte* start = bytes)
                {
                    var p = start;
                    while (p != null && *p != 0)
                    {
                        var phonemes = Interop.EspeakNg.espeak_TextToPhonemes(&p, Interop.EspeakNg.CharsUtf8, Interop.EspeakNg.PhonemesIpa);
                        var part = phonemes == null ? null : Marshal.PtrToStringUTF8((nint)phonemes);
                        if (!string.IsNullOrWhiteSpace(part))
                        {
                            if (result.Length > clauseStart)
                            {
                                result.Append(' ');
                            }

                            result.Append(part.Trim());
                        }
                    }
                }

                if (punctuation != '\0' && result.Length > 0)
                {
                    result.Append(punctuation);
                }

                result.Append(' ');
            }
        }

        return result.ToString().Trim();
    }

    /// <summary>Splits a sentence at clause punctuation, keeping each clause's mark.</summary>
    internal static List<(string Clause, char Punctuation)> SplitClauses(string text)
    {
        var clauses = new List<(string, char)>();
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            var end = i == text.Length;
            var c = end ? '\0' : text[i];
            if (end || (c is ',' or ';' or ':' or '.' or '!' or '?' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1]) || text[i + 1] is '"' or '\'' or ')')))
            {
                var clause = text[start..i].Trim();
                var mark = c is '\0' ? '\0' : c;
                if (clause.Length > 0 && clause.Any(char.IsLetterOrDigit))
                {
                    clauses.Add((clause, mark));
                }

                start = i + 1;
            }
        }

        return clauses;
    }

    private static void EnsureVoice(string voice, string? dataPath)
    {
        var wanted = Normalize(dataPath);
        if (!s_initialized)
        {
            try
            {
                var rate = Interop.EspeakNg.espeak_Initialize(Interop.EspeakNg.AudioOutputSynchronous, 0, dataPath, Interop.EspeakNg.InitializeDontExit);
                if (rate <= 0)
                {
                    throw new InvalidOperationException(
                        $"espeak-ng could not start with data from '{dataPath ?? "the installed espeak-ng-data"}'. Fix: {Interop.Libraries.EspeakFix}, or configure a valid espeak-ng-data folder.");
                }
            }
            catch (DllNotFoundException ex)
            {
                throw NativeDependency.Missing(Interop.Libraries.EspeakNgFile, Interop.Libraries.EspeakFix, ex);
            }

            s_initialized = true;
            s_dataPath = wanted ?? InstalledDataPath();
            s_voice = null;
        }
        else if (wanted is not null && !string.Equals(wanted, s_dataPath, StringComparison.Ordinal))
        {
            // espeak_Terminate deadlocks joining espeak-ng's own thread (seen with Debian's 1.51), so the library
            // is initialised once per process and keeps its first data folder.
            throw new InvalidOperationException(
                $"espeak-ng is process-wide and already uses the data in '{s_dataPath}'; it cannot switch to '{wanted}' in the same process. Fix: configure the same espeak-ng-data folder for every voice (or none, for the installed data).");
        }

        if (!string.Equals(s_voice, voice, StringComparison.Ordinal))
        {
            var error = Interop.EspeakNg.espeak_SetVoiceByName(voice);
            if (error != 0)
            {
                throw new InvalidOperationException(
                    $"espeak-ng has no voice '{voice}' (error {error}) in '{dataPath ?? "the installed espeak-ng-data"}'. Fix: set the voice's espeak language to one espeak-ng knows (espeak-ng --voices), for example en-us.");
            }

            s_voice = voice;
        }
    }

    /// <summary>The espeak-ng-data folder itself for a folder or its parent; null stays null.</summary>
    private static string? Normalize(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var child = Path.Combine(full, "espeak-ng-data");
        return Path.GetFileName(full) != "espeak-ng-data" && Directory.Exists(child) ? child : full;
    }

    private static unsafe string? InstalledDataPath()
    {
        byte* path = null;
        _ = Interop.EspeakNg.espeak_Info((nint)(&path));
        return Normalize(path == null ? null : Marshal.PtrToStringUTF8((nint)path));
    }

    private static string[] MissingFiles(string folder) =>
        Directory.Exists(folder) ? [.. s_requiredDataFiles.Where(f => !File.Exists(Path.Combine(folder, f)))] : ["the folder itself"];

    private static string RuntimeTriplet => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
}
