using System.Collections.Frozen;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Whisper.net;
using RuntimeLibrary = Whisper.net.LibraryLoader.RuntimeLibrary;
using RuntimeOptions = Whisper.net.LibraryLoader.RuntimeOptions;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models.Whisper;

/// <summary>
/// The one place that loads the whisper.cpp build Whisper.net.Runtime ships and hands it to Whisper.net.
/// </summary>
/// <remarks>
/// <para>
/// Whisper.net.Runtime copies its natives to <c>runtimes/&lt;rid&gt;/</c> beside the app (a <c>dotnet build</c>
/// output and a publish alike): <c>libggml-base-whisper.so</c>, <c>libggml-cpu-whisper.so</c>,
/// <c>libggml-whisper.so</c>, <c>libwhisper.so</c>. <c>libwhisper.so</c> needs the ggml libraries by their
/// sonames (<c>libggml-whisper.so.0</c>), which are not on disk, so they are loaded first by full path and the
/// dynamic loader then matches the sonames to the loaded copies (what Whisper.net's own loader does too).
/// </para>
/// <para>
/// Whisper.net's own loader is bypassed: it binds every function with
/// <c>Marshal.GetDelegateForFunctionPointer</c> and probes <c>Assembly.Location</c>, neither of which is
/// NativeAOT-clean. With <see cref="RuntimeOptions.LoadedLibrary"/> set it uses its source-generated
/// <c>[LibraryImport("libwhisper")]</c> binding instead, whose library name this class resolves to the
/// handle loaded here through <see cref="NativeLibrary.SetDllImportResolver"/> on Whisper.net's assembly.
/// The x64 build needs AVX2 and FMA (Whisper.net would otherwise pick its "noavx" runtime, which is not
/// shipped); the check is made here so a machine without them gets a clear error instead of SIGILL.
/// </para>
/// </remarks>
internal static class WhisperRuntime
{
    /// <summary>Whisper.net.Runtime's libraries, in load order (dependencies first).</summary>
    private static readonly string[] s_files = ["libggml-base-whisper.so", "libggml-cpu-whisper.so", "libggml-whisper.so", "libwhisper.so"];

    /// <summary>The name Whisper.net's <c>[LibraryImport]</c> binding asks for.</summary>
    private const string LibraryName = "libwhisper";

    private const string Fix = "rebuild or republish the appliance so Whisper.net.Runtime copies runtimes/<rid>/libwhisper.so and its libggml-*-whisper.so beside it (or point APPLIANCE_WHISPER_DIR at a folder holding them)";

    private static readonly Lock s_gate = new();
    private static IntPtr s_whisper;
    private static volatile bool s_loaded;
    private static FrozenSet<string>? s_languages;

    /// <summary>The folder the natives were loaded from (the first that holds <c>libwhisper.so</c>), or null before.</summary>
    internal static string? LoadedFrom { get; private set; }

    /// <summary>The name of the file whose absence or failure is reported.</summary>
    internal const string LibraryFile = "libwhisper.so";

    /// <summary>
    /// Loads the natives once and points Whisper.net at them. Safe to call from any thread, any number of times.
    /// </summary>
    /// <exception cref="DllNotFoundException">A library is missing or fails to load; the message names it, where it was looked for, and the fix.</exception>
    /// <exception cref="PlatformNotSupportedException">An x64 CPU without AVX2/FMA.</exception>
    internal static void EnsureLoaded()
    {
        if (s_loaded)
        {
            return;
        }

        lock (s_gate)
        {
            if (s_loaded)
            {
                return;
            }

            if (RuntimeInformation.ProcessArchitecture == Architecture.X64 && !(Avx2.IsSupported && Fma.IsSupported))
            {
                throw new PlatformNotSupportedException("whisper.cpp from Whisper.net.Runtime needs a CPU with AVX2 and FMA on x64; this one lacks them. Use --stt grammar on this machine.");
            }

            var dirs = SearchDirectories().ToList();
            var dir = dirs.FirstOrDefault(d => File.Exists(Path.Combine(d, LibraryFile)))
                ?? throw new DllNotFoundException($"Native library '{LibraryFile}' (whisper.cpp from Whisper.net.Runtime) was not found (looked in: {string.Join(", ", dirs)}). Fix: {Fix}.");

            var handle = IntPtr.Zero;
            foreach (var file in s_files)
            {
                var path = Path.Combine(dir, file);
                if (!File.Exists(path))
                {
                    continue;
                }

                try
                {
                    handle = NativeLibrary.Load(path);
                }
                catch (DllNotFoundException ex)
                {
                    throw new DllNotFoundException($"Native library '{path}' could not be loaded: {ex.Message}. Fix: {Fix}.", ex);
                }
            }

            s_whisper = handle;
            LoadedFrom = dir;
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(WhisperFactory).Assembly, static (name, _, _) => name == LibraryName ? s_whisper : IntPtr.Zero);
            }
            catch (InvalidOperationException)
            {
                // Someone registered a resolver for Whisper.net already; the default probing then finds libwhisper.so
                // by its soname among the libraries loaded above.
            }

            WhisperNativeLog.Install();
            RuntimeOptions.LoadedLibrary = RuntimeLibrary.Cpu;
            s_loaded = true;
        }
    }

    /// <summary>The whisper.cpp version the loaded library reports (<c>whisper_version()</c>), for example "1.8.5".</summary>
    /// <exception cref="DllNotFoundException">See <see cref="EnsureLoaded"/>.</exception>
    internal static unsafe string Version
    {
        get
        {
            EnsureLoaded();
            if (!NativeLibrary.TryGetExport(s_whisper, "whisper_version", out var export))
            {
                return "unknown";
            }

            var version = ((delegate* unmanaged[Cdecl]<IntPtr>)export)();
            return Marshal.PtrToStringUTF8(version) ?? "unknown";
        }
    }

    /// <summary>The Whisper.net assembly version, major.minor.patch (the package version, for example "1.9.1").</summary>
    internal static string BindingVersion => typeof(WhisperFactory).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    /// <summary>The language codes whisper.cpp knows ("en", "de", ...).</summary>
    internal static FrozenSet<string> Languages
    {
        get
        {
            if (s_languages is { } known)
            {
                return known;
            }

            EnsureLoaded();
            return s_languages = WhisperFactory.GetSupportedLanguages().ToFrozenSet(StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// <c>$APPLIANCE_WHISPER_DIR</c>, then <c>&lt;app&gt;/runtimes/&lt;rid&gt;</c> (where Whisper.net.Runtime puts them).
    /// The project's own <c>native/&lt;rid&gt;</c> is not searched: a <c>libwhisper.so</c> provisioned there may be
    /// another whisper.cpp version than the one Whisper.net's structs were written against.
    /// </summary>
    private static IEnumerable<string> SearchDirectories()
    {
        var env = Environment.GetEnvironmentVariable("APPLIANCE_WHISPER_DIR");
        if (!string.IsNullOrEmpty(env))
        {
            yield return env;
        }

        yield return Path.Combine(AppContext.BaseDirectory, "runtimes", NativeLibraryLoader.RuntimeId);
    }
}
