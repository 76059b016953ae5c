using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace VoiceAppliance.Benchmarks.Models;

/// <summary>
/// The benchmark peer: sherpa-onnx 1.13.8's C API (bench/peer/linux-x64/libsherpa-onnx-c-api.so), run in a child
/// process of the bench tool because it ships its own libonnxruntime.so (1.28.2) and exports the same
/// <c>OrtGetApiBase</c> as ours (1.30.0); two ORTs in one process would also share one CPU-time counter.
/// Config structs are laid out as sherpa-onnx/c-api/c-api.h; only the leading fields, which have not moved
/// across releases, are set, and the rest of each struct is zero (sherpa-onnx takes zero as "default").
/// </summary>
internal static unsafe class SherpaOnnxPeer
{
    private const int ConfigBytes = 4096;

    public static string LibraryPath(string root) => Path.Combine(root, "bench", "peer", "linux-x64", "libsherpa-onnx-c-api.so");

    /// <summary>Child-process entry: <c>--peer vad MODEL WAV REPEATS</c> or <c>--peer tts VOICE_DIR TEXT_FILE RUNS</c>.</summary>
    public static int RunChild(string root, string[] args)
    {
        var lib = NativeLibrary.Load(LibraryPath(root));
        try
        {
            return args[0] switch
            {
                "vad" => Vad(lib, args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture)),
                "tts" => Tts(lib, args[1], File.ReadAllText(args[2]), int.Parse(args[3], CultureInfo.InvariantCulture)),
                _ => 2,
            };
        }
        finally
        {
            NativeLibrary.Free(lib);
        }
    }

    private static int Vad(nint lib, string model, string wav, int repeats)
    {
        var create = (delegate* unmanaged[Cdecl]<byte*, float, nint>)NativeLibrary.GetExport(lib, "SherpaOnnxCreateVoiceActivityDetector");
        var destroy = (delegate* unmanaged[Cdecl]<nint, void>)NativeLibrary.GetExport(lib, "SherpaOnnxDestroyVoiceActivityDetector");
        var accept = (delegate* unmanaged[Cdecl]<nint, float*, int, void>)NativeLibrary.GetExport(lib, "SherpaOnnxVoiceActivityDetectorAcceptWaveform");
        var empty = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(lib, "SherpaOnnxVoiceActivityDetectorEmpty");
        var front = (delegate* unmanaged[Cdecl]<nint, nint>)NativeLibrary.GetExport(lib, "SherpaOnnxVoiceActivityDetectorFront");
        var pop = (delegate* unmanaged[Cdecl]<nint, void>)NativeLibrary.GetExport(lib, "SherpaOnnxVoiceActivityDetectorPop");
        var flush = (delegate* unmanaged[Cdecl]<nint, void>)NativeLibrary.GetExport(lib, "SherpaOnnxVoiceActivityDetectorFlush");
        var destroySegment = (delegate* unmanaged[Cdecl]<nint, void>)NativeLibrary.GetExport(lib, "SherpaOnnxDestroySpeechSegment");

        var audio = global::VoiceAppliance.Audio.Alsa.WavFile.Read(wav).Samples;
        var config = (byte*)NativeMemory.AllocZeroed(ConfigBytes);
        var modelUtf8 = Utf8(model);
        var provider = Utf8("cpu");
        try
        {
            // SherpaOnnxVadModelConfig { SherpaOnnxSileroVadModelConfig silero_vad { model; threshold; min_silence_duration;
            // min_speech_duration; window_size; max_speech_duration; }; sample_rate; num_threads; provider; debug; ten_vad... }
            *(nint*)(config + 0) = (nint)modelUtf8;
            *(float*)(config + 8) = 0.5f;
            *(float*)(config + 12) = 0.1f;
            *(float*)(config + 16) = 0.25f;
            *(int*)(config + 20) = 512;
            *(float*)(config + 24) = 20f;
            *(int*)(config + 32) = 16000;
            *(int*)(config + 36) = 1;
            *(nint*)(config + 40) = (nint)provider;
            *(int*)(config + 48) = 0;
            var vad = create(config, 60f);
            if (vad == 0)
            {
                Console.Error.WriteLine("SherpaOnnxCreateVoiceActivityDetector failed");
                return 1;
            }

            var segments = 0;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            fixed (float* samples = audio)
            {
                for (var r = 0; r < repeats; r++)
                {
                    for (var offset = 0; offset + 512 <= audio.Length; offset += 512)
                    {
                        accept(vad, samples + offset, 512);
                        while (empty(vad) == 0)
                        {
                            destroySegment(front(vad));
                            pop(vad);
                            segments++;
                        }
                    }
                }
            }

            flush(vad);
            while (empty(vad) == 0)
            {
                destroySegment(front(vad));
                pop(vad);
                segments++;
            }

            wall.Stop();
            var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            destroy(vad);
            Console.WriteLine(FormattableString.Invariant($"RESULT {cpuMs:F1} {wall.Elapsed.TotalMilliseconds:F1} {segments}"));
            return 0;
        }
        finally
        {
            NativeMemory.Free(config);
            NativeMemory.Free(modelUtf8);
            NativeMemory.Free(provider);
        }
    }

    private static int Tts(nint lib, string voiceDir, string text, int runs)
    {
        var create = (delegate* unmanaged[Cdecl]<byte*, nint>)NativeLibrary.GetExport(lib, "SherpaOnnxCreateOfflineTts");
        var destroy = (delegate* unmanaged[Cdecl]<nint, void>)NativeLibrary.GetExport(lib, "SherpaOnnxDestroyOfflineTts");
        var generate = (delegate* unmanaged[Cdecl]<nint, byte*, int, float, nint>)NativeLibrary.GetExport(lib, "SherpaOnnxOfflineTtsGenerate");
        var destroyAudio = (delegate* unmanaged[Cdecl]<nint, void>)NativeLibrary.GetExport(lib, "SherpaOnnxDestroyOfflineTtsGeneratedAudio");
        var sampleRate = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(lib, "SherpaOnnxOfflineTtsSampleRate");

        var config = (byte*)NativeMemory.AllocZeroed(ConfigBytes);
        var model = Utf8(Path.Combine(voiceDir, "model.onnx"));
        var tokens = Utf8(Path.Combine(voiceDir, "tokens.txt"));
        // The voice's bundled espeak-ng-data lacks 'intonations', which sherpa-onnx checks for too; both sides use the
        // installed espeak-ng 1.51 data (Debian espeak-ng-data), as our side does for this voice.
        var data = Utf8(SystemEspeakData());
        var provider = Utf8("cpu");
        var textUtf8 = Utf8(text);
        try
        {
            // SherpaOnnxOfflineTtsConfig { SherpaOnnxOfflineTtsModelConfig model { SherpaOnnxOfflineTtsVitsModelConfig vits
            // { model; lexicon; tokens; data_dir; noise_scale; noise_scale_w; length_scale; dict_dir; }; num_threads; debug;
            // provider; matcha; kokoro; ... }; rule_fsts; max_num_sentences; rule_fars; silence_scale; }
            *(nint*)(config + 0) = (nint)model;
            *(nint*)(config + 16) = (nint)tokens;
            *(nint*)(config + 24) = (nint)data;
            *(float*)(config + 32) = 0.667f;
            *(float*)(config + 36) = 0.8f;
            *(float*)(config + 40) = 1f;
            *(int*)(config + 56) = 1;
            *(int*)(config + 60) = 0;
            *(nint*)(config + 64) = (nint)provider;
            var tts = create(config);
            if (tts == 0)
            {
                Console.Error.WriteLine("SherpaOnnxCreateOfflineTts failed");
                return 1;
            }

            var rate = sampleRate(tts);
            destroyAudio(generate(tts, textUtf8, 0, 1f)); // warm-up
            for (var i = 0; i < runs; i++)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                var audio = generate(tts, textUtf8, 0, 1f);
                wall.Stop();
                var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
                var n = *(int*)(audio + 8);
                destroyAudio(audio);
                Console.WriteLine(FormattableString.Invariant($"RESULT {cpuMs:F1} {wall.Elapsed.TotalMilliseconds:F1} {n} {rate}"));
            }

            destroy(tts);
            return 0;
        }
        finally
        {
            NativeMemory.Free(config);
            NativeMemory.Free(model);
            NativeMemory.Free(tokens);
            NativeMemory.Free(data);
            NativeMemory.Free(provider);
            NativeMemory.Free(textUtf8);
        }
    }

    /// <summary>Runs this tool again as the peer child and returns its RESULT lines' numbers.</summary>
    public static List<double[]> Spawn(params string[] args)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(SherpaOnnxPeer).Assembly.Location);
        }

        start.ArgumentList.Add("models");
        start.ArgumentList.Add("--peer");
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var child = Process.Start(start)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var lines = new List<double[]>();
        string? line;
        while ((line = child.StandardOutput.ReadLine()) is not null)
        {
            if (line.StartsWith("RESULT ", StringComparison.Ordinal))
            {
                lines.Add([.. line[7..].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture))]);
            }
        }

        child.WaitForExit();
        if (child.ExitCode != 0 || lines.Count == 0)
        {
            throw new InvalidOperationException($"the sherpa-onnx peer failed (exit {child.ExitCode}): {stderr.Result}");
        }

        return lines;
    }

    private static string SystemEspeakData() =>
        Path.Combine("/usr/lib", RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu", "espeak-ng-data");

    private static byte* Utf8(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        p[bytes.Length] = 0;
        return p;
    }
}
