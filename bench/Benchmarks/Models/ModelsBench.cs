using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Onnx;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Vad;

namespace VoiceAppliance.Benchmarks.Models;

/// <summary>
/// <c>./build.sh bench models</c>: Silero VAD and Piper TTS against sherpa-onnx 1.13.8 on the same model files, audio
/// and text, in one run (the peer in a child process), printed as a table of ratios.
/// Options: <c>--vad-repeats N</c> (jfk.wav repeated, default 10), <c>--tts-runs N</c> (default 3).
/// </summary>
public static class ModelsBench
{
    private const string Reply = "The kitchen light is now on. It is twenty one degrees inside and the windows are closed. Tell me if you want the heating turned down.";

    /// <summary>Entry point of the bench command.</summary>
    public static int Run(string[] args)
    {
        var root = BenchTools.Root();
        if (args.Length > 0 && args[0] == "--peer")
        {
            return SherpaOnnxPeer.RunChild(root, args[1..]);
        }

        var vadRepeats = Option(args, "--vad-repeats", 10);
        var ttsRuns = Option(args, "--tts-runs", 3);
        var vadModel = Path.Combine(root, "models", "silero_vad_v5.onnx");
        var wav = Path.Combine(root, "models", "samples", "jfk.wav");
        var voiceDir = Path.Combine(root, "models", "piper", "en_US-libritts_r-medium");
        foreach (var needed in new[] { vadModel, wav, Path.Combine(voiceDir, "model.onnx"), SherpaOnnxPeer.LibraryPath(root) })
        {
            if (!File.Exists(needed))
            {
                Console.Error.WriteLine($"missing {needed}: run eng/provision.sh");
                return 1;
            }
        }

        Console.WriteLine($"ONNX Runtime {NativeRuntimes.OnnxRuntimeVersion} (ours) vs sherpa-onnx 1.13.8 C API with its own ONNX Runtime (peer, child process); 1 thread each; {Environment.ProcessorCount} cores");

        // VAD: CPU time per second of audio.
        var audio = global::VoiceAppliance.Audio.Alsa.WavFile.Read(wav).Samples;
        var seconds = vadRepeats * (audio.Length / 512 * 512) / 16000.0;
        // Rounds alternate ours and the peer; the fastest round of each counts (the machine is shared, so slower
        // rounds measure other load, not the code).
        var rounds = Option(args, "--rounds", 3);
        var ourRounds = new List<(double Cpu, double Wall, int Segments)>();
        var peerRounds = new List<double[]>();
        for (var r = 0; r < rounds; r++)
        {
            ourRounds.Add(OurVad(vadModel, audio, vadRepeats));
            peerRounds.Add(SherpaOnnxPeer.Spawn("vad", vadModel, wav, vadRepeats.ToString(CultureInfo.InvariantCulture))[0]);
        }

        var (ourVadCpu, ourVadWall, ourSegments) = ourRounds.MinBy(x => x.Cpu);
        var peerVad = peerRounds.MinBy(x => x[0])!;

        // TTS: real-time factor over the same 3-sentence reply, and time to first audio.
        var textFile = Path.GetTempFileName();
        File.WriteAllText(textFile, Reply);
        var ours = OurTts(voiceDir, ttsRuns);
        var peer = SherpaOnnxPeer.Spawn("tts", voiceDir, textFile, ttsRuns.ToString(CultureInfo.InvariantCulture));
        File.Delete(textFile);
        var peerWall = Median(peer.Select(p => p[1]));
        var peerCpu = Median(peer.Select(p => p[0]));
        var peerAudio = peer[0][2] / peer[0][3];

        Console.WriteLine();
        Console.WriteLine($"| measure | ours | sherpa-onnx | ours/peer |");
        Console.WriteLine($"|---|---|---|---|");
        Row($"VAD CPU ms per s of audio (Silero v5, jfk.wav x{vadRepeats} = {seconds:F0} s, best of {rounds})", ourVadCpu / seconds, peerVad[0] / seconds);
        Row("VAD wall ms per s of audio", ourVadWall / seconds, peerVad[1] / seconds);
        Console.WriteLine($"| VAD segments found | {ourSegments} | {peerVad[2]:F0} | |");
        Row($"Piper RTF, wall (3-sentence reply, median of {ttsRuns})", ours.Wall / 1000 / ours.AudioSeconds, peerWall / 1000 / peerAudio);
        Row("Piper RTF, CPU", ours.Cpu / 1000 / ours.AudioSeconds, peerCpu / 1000 / peerAudio);
        Row("Piper synthesis ms, wall, same text", ours.Wall, peerWall);
        Row("Piper synthesis ms, CPU, same text", ours.Cpu, peerCpu);
        Console.WriteLine(FormattableString.Invariant($"| Piper audio length s (ours: speech only; peer: with its sentence silences) | {ours.AudioSeconds:F2} | {peerAudio:F2} | |"));
        Row("Time to first audio ms (ours: first sentence streamed; peer: whole text)", ours.FirstAudio * 1000, peerWall);
        return 0;
    }

    private static (double CpuMs, double WallMs, int Segments) OurVad(string model, float[] audio, int repeats)
    {
        var level = Enum.TryParse<OnnxOptimizationLevel>(Environment.GetEnvironmentVariable("BENCH_VAD_OPT"), out var l) ? l : OnnxOptimizationLevel.All;
        using var vad = SileroVad.Open(model, 16000, OnnxSessionOptions.Default with { OptimizationLevel = level });
        var segmenter = new SpeechSegmenter(16000, 512, SpeechSegmenterOptions.Default with { MaxSpeech = TimeSpan.FromSeconds(20) });
        Span<SpeechBoundary> found = stackalloc SpeechBoundary[2];
        for (var i = 0; i < 20; i++)
        {
            vad.Process(audio.AsSpan(i * 512, 512));
        }

        vad.Reset();
        var segments = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var r = 0; r < repeats; r++)
        {
            for (var offset = 0; offset + 512 <= audio.Length; offset += 512)
            {
                var n = segmenter.Push(vad.Process(audio.AsSpan(offset, 512)), found);
                for (var k = 0; k < n; k++)
                {
                    segments += found[k].Kind == SpeechBoundaryKind.End ? 1 : 0;
                }
            }
        }

        segments += segmenter.Flush(segmenter.Position, found) > 0 ? 1 : 0;
        wall.Stop();
        return ((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds, wall.Elapsed.TotalMilliseconds, segments);
    }

    private static (double Wall, double Cpu, double AudioSeconds, double FirstAudio) OurTts(string voiceDir, int runs)
    {
        using var tts = PiperTts.Open(voiceDir, new PiperVoiceOptions { Session = new OnnxSessionOptions { IntraOpThreads = 1, InterOpThreads = 1 } });

        // No sentence silence on our side: our RTF counts speech only, while the peer's audio includes its silences
        // between sentences, so the RTF ratio errs against us. The time ratio for the same text is the fairer figure.
        var options = new SynthesisOptions { Speaker = 0, Speed = 1f, SentenceSilence = TimeSpan.Zero };
        tts.Synthesize(Reply, options);
        var walls = new List<double>();
        var cpus = new List<double>();
        var firsts = new List<double>();
        var samples = 0L;
        for (var i = 0; i < runs; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            double first = -1;
            samples = 0;
            var enumerator = tts.SynthesizeAsync(Reply, options, CancellationToken.None).GetAsyncEnumerator();
            try
            {
                while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                {
                    if (first < 0)
                    {
                        first = wall.Elapsed.TotalSeconds;
                    }

                    samples += enumerator.Current.Samples.Length;
                }
            }
            finally
            {
                enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            wall.Stop();
            walls.Add(wall.Elapsed.TotalSeconds);
            cpus.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            firsts.Add(first);
        }

        return (Median(walls) * 1000, Median(cpus) * 1000, samples / (double)tts.SampleRate, Median(firsts));
    }

    private static void Row(string name, double ours, double peer) =>
        Console.WriteLine(FormattableString.Invariant($"| {name} | {ours:F3} | {peer:F3} | {ours / peer:F2} |"));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
    }
}
