using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Whisper;

namespace VoiceAppliance.Benchmarks.Whisper;

/// <summary>
/// <c>stt</c> bench command: (1) our Whisper.net-based engine against <c>whisper-cli</c> built from the same
/// whisper.cpp version Whisper.net.Runtime ships, on the same generated model with real tiny.en dimensions, the
/// same audio and the same decoding settings (greedy, no fallback, so both decode the same fixed token budget);
/// (2) the grammar recogniser's real-time factor and milliseconds per 2-second command; (3) peak memory of each
/// engine loaded.
/// Arguments: <c>[runs] [threads]</c> (default 1 run, 2 threads: one run decodes 220 tokens per engine and takes minutes on a loaded 2-core machine). CPU time is reported beside wall time because
/// wall time on a shared machine is noisy.
/// </summary>
/// <remarks>
/// The peer is looked for at <c>$WHISPER_CLI</c>, then <c>native/&lt;rid&gt;/whisper.cpp-&lt;version&gt;/whisper-cli</c>
/// where the version is the one the loaded libwhisper reports (<see cref="NativeRuntimes.WhisperVersion"/>): a
/// whisper-cli of another version would compare two different whisper.cpp builds, not the binding. Without the
/// peer the comparison is skipped with a message and our engine's timings are printed alone.
/// </remarks>
public static partial class SpeechToTextBench
{
    private const int SampleRate = 16000;

    public static int Run(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
        var threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        var root = BenchTools.Root();
        var rid = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var version = NativeRuntimes.WhisperVersion;
        var cli = Environment.GetEnvironmentVariable("WHISPER_CLI") is { Length: > 0 } env ? env : Path.Combine(root, "native", rid, "whisper.cpp-" + version, "whisper-cli");
        var wav = Path.Combine(root, "models", "samples", "jfk.wav");
        if (!File.Exists(wav))
        {
            Console.Error.WriteLine($"stt bench needs {wav}; run eng/provision.sh");
            return 2;
        }

        string? peer = cli;
        if (!File.Exists(cli))
        {
            Console.WriteLine($"whisper: the binding-vs-whisper-cli comparison is SKIPPED: no peer at {cli}. It needs whisper-cli built from whisper.cpp {version} (the build Whisper.net.Runtime {NativeRuntimes.WhisperNetVersion} ships); provision it there or set WHISPER_CLI. Timing our engine alone.");
            peer = null;
        }

        var dir = Path.Combine(Path.GetTempPath(), "stt-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        try
        {
            var model = Path.Combine(dir, "ggml-random-tiny.en.bin");
            GgmlWhisperModelWriter.Write(model, WhisperHyperParameters.TinyEnglish, seed: 1, decodeToTokenLimit: true);
            Console.WriteLine($"model: generated tiny.en dimensions (n_audio_state 384, 4+4 layers, n_vocab 51864, f16, decodes to the 220-token cap), {new FileInfo(model).Length / 1e6:0.0} MB; audio: jfk.wav; whisper.cpp {version} via Whisper.net {NativeRuntimes.WhisperNetVersion}; threads {threads}; greedy, best_of 1, no fallback; {runs} runs each, alternating");
            WhisperVersusCli(peer, model, wav, runs, threads);
            Grammar(root, dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        return 0;
    }

    private static void WhisperVersusCli(string? cli, string model, string wav, int runs, int threads)
    {
        var audio = ReadWav(wav);
        // whisper-cli's defaults match on what Whisper.net cannot set: suppress_nst off, suppress_blank on.
        var options = new WhisperOptions { Threads = threads, BestOf = 1, BeamSize = 0, TemperatureIncrement = 0 };
        var ours = new List<(double Total, double Load, double Cpu)>();
        var theirs = new List<(double Total, double Load, long PeakKb, double Cpu)>();
        var oursPeakKb = 0L;
        string oursText = string.Empty, cliText = string.Empty;

        // Warm the file cache and the JIT once; not counted.
        using (var warm = WhisperModel.Load(model))
        {
            Transcribe(new WhisperSpeechToText(warm, options), audio.AsMemory(0, SampleRate));
        }

        for (var i = 0; i < runs; i++)
        {
            var rssBefore = Status("VmRSS");
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            using (var m = WhisperModel.Load(model))
            {
                var load = watch.Elapsed.TotalMilliseconds;
                oursText = Transcribe(new WhisperSpeechToText(m, options), audio);
                ours.Add((watch.Elapsed.TotalMilliseconds, load, (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds));
                oursPeakKb = Math.Max(oursPeakKb, Status("VmHWM") - rssBefore);
            }

            if (cli is not null)
            {
                theirs.Add(RunCli(cli, model, wav, threads, out cliText));
            }
        }

        if (cli is null)
        {
            Console.WriteLine();
            Console.WriteLine("| whisper (jfk.wav, 11 s)            | ours (Whisper.net) |");
            Console.WriteLine("|------------------------------------|-------------------:|");
            Console.WriteLine($"| load + transcribe, median ms       | {Median(ours.Select(r => r.Total)),18:0} |");
            Console.WriteLine($"| transcribe only (total - load), ms | {Median(ours.Select(r => r.Total - r.Load)),18:0} |");
            Console.WriteLine($"| CPU time (user+sys), median ms     | {Median(ours.Select(r => r.Cpu)),18:0} |");
            Console.WriteLine($"| peak RSS growth, MB                | {oursPeakKb / 1024.0,18:0.0} |");
            Console.WriteLine("whisper-cli: skipped (no peer of the same whisper.cpp version)");
            return;
        }

        var oursTotal = Median(ours.Select(r => r.Total));
        var cliTotal = Median(theirs.Select(r => r.Total));
        var oursRun = Median(ours.Select(r => r.Total - r.Load));
        var cliRun = Median(theirs.Select(r => r.Total - r.Load));
        Console.WriteLine();
        Console.WriteLine("| whisper (jfk.wav, 11 s)            | ours (binding) | whisper-cli | ratio ours/cli |");
        Console.WriteLine("|------------------------------------|---------------:|------------:|---------------:|");
        Console.WriteLine($"| load + transcribe, median ms       | {oursTotal,14:0} | {cliTotal,11:0} | {oursTotal / cliTotal,14:0.000} |");
        Console.WriteLine($"| transcribe only (total - load), ms | {oursRun,14:0} | {cliRun,11:0} | {oursRun / cliRun,14:0.000} |");
        var oursCpu = Median(ours.Select(r => r.Cpu));
        var cliCpu = Median(theirs.Select(r => r.Cpu));
        Console.WriteLine($"| load + transcribe, minimum ms      | {ours.Min(r => r.Total),14:0} | {theirs.Min(r => r.Total),11:0} | {ours.Min(r => r.Total) / theirs.Min(r => r.Total),14:0.000} |");
        Console.WriteLine($"| CPU time (user+sys), median ms     | {oursCpu,14:0} | {cliCpu,11:0} | {oursCpu / cliCpu,14:0.000} |");
        Console.WriteLine($"| peak RSS of the engine, MB         | {oursPeakKb / 1024.0,14:0.0} | {theirs.Max(t => t.PeakKb) / 1024.0,11:0.0} | (ours: growth of this process; cli: whole process) |");
        Console.WriteLine($"same text from both: {Normalise(oursText) == Normalise(cliText)} ({Normalise(oursText).Length} chars)");
        Console.WriteLine($"ours: total {string.Join(", ", ours.Select(r => r.Total.ToString("0", CultureInfo.InvariantCulture)))} ms; cli: total {string.Join(", ", theirs.Select(r => r.Total.ToString("0", CultureInfo.InvariantCulture)))} ms (whisper-cli's own timings)");
    }

    private static void Grammar(string root, string dir)
    {
        var raw = Path.Combine(dir, "cmd-raw.wav");
        var wav = Path.Combine(dir, "cmd.wav");
        if (!BenchTools.Exec("espeak-ng", ["-v", "en-us", "-s", "150", "-w", raw, "turn on the kitchen light"], out _) ||
            !BenchTools.Exec("sox", ["-D", raw, "-r", "16000", "-c", "1", "-b", "16", wav, "pad", "0.2", "2", "trim", "0", "2"], out _))
        {
            Console.WriteLine("grammar: espeak-ng or sox missing; skipped");
            return;
        }

        var audio = ReadWav(wav);
        var rssBefore = Status("VmRSS");
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(
        [
            "turn (on|off){state} the (kitchen|bedroom|living room){room} light",
            "what time is it",
            "set the volume to (ten|twenty|thirty|forty|fifty) percent",
            "(stop|cancel)",
        ]));
        var loadedKb = Status("VmRSS") - rssBefore;
        var first = engine.Recognize(audio);
        var times = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var watch = Stopwatch.StartNew();
            engine.Recognize(audio);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        var ms = Median(times);
        Console.WriteLine();
        Console.WriteLine("| grammar STT (pocketsphinx, 2.0 s command) | value |");
        Console.WriteLine("|-------------------------------------------|------:|");
        Console.WriteLine($"| ms per command, median of 20              | {ms,5:0.0} |");
        Console.WriteLine($"| real-time factor                          | {ms / 2000.0,5:0.000} |");
        Console.WriteLine($"| RSS growth with the engine loaded, MB     | {loadedKb / 1024.0,5:0.0} |");
        Console.WriteLine($"recognised: '{first.Text}' (confidence {first.Confidence:0.00}, accepted {first.Accepted})");
    }

    private static string Transcribe(ISpeechToText stt, ReadOnlyMemory<float> audio)
    {
        var text = new System.Text.StringBuilder();
        var e = stt.TranscribeAsync(audio, CancellationToken.None).GetAsyncEnumerator();
        try
        {
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                text.Append(e.Current.Text).Append(' ');
            }
        }
        finally
        {
            e.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return text.ToString();
    }

    private static (double Total, double Load, long PeakKb, double Cpu) RunCli(string cli, string model, string wav, int threads, out string text)
    {
        var args = new List<string> { "-m", model, "-f", wav, "-t", threads.ToString(CultureInfo.InvariantCulture), "-bo", "1", "-bs", "1", "-nf", "-l", "en", "-ng" };
        var time = File.Exists("/usr/bin/time");
        var psi = new ProcessStartInfo(time ? "/usr/bin/time" : cli) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (time)
        {
            psi.ArgumentList.Add("-f");
            psi.ArgumentList.Add("peak_kb=%M cpu_s=%U %S");
            psi.ArgumentList.Add(cli);
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync();
        text = p.StandardOutput.ReadToEnd();
        var stderr = stderrTask.GetAwaiter().GetResult();
        p.WaitForExit();
        var load = Timing(stderr, "load time");
        var total = Timing(stderr, "total time");
        var peak = PeakKb().Match(stderr) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var cpu = CpuSeconds().Match(stderr) is { Success: true } c
            ? (double.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture) + double.Parse(c.Groups[2].Value, CultureInfo.InvariantCulture)) * 1000
            : double.NaN;
        return (total, load, peak, cpu);
    }

    private static double Timing(string stderr, string name)
    {
        foreach (var line in stderr.Split('\n'))
        {
            var at = line.IndexOf(name + " =", StringComparison.Ordinal);
            if (at >= 0)
            {
                var rest = line[(at + name.Length + 2)..].Trim();
                var ms = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return double.Parse(ms, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"whisper-cli printed no '{name}':\n{stderr}");
    }

    private static string Normalise(string s) => string.Join(' ', CliTimestamp().Replace(s, " ").Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static float[] ReadWav(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var pos = 12;
        while (pos + 8 <= bytes.Length)
        {
            var id = System.Text.Encoding.ASCII.GetString(bytes, pos, 4);
            var size = BitConverter.ToInt32(bytes, pos + 4);
            if (id == "data")
            {
                size = Math.Min(size, bytes.Length - pos - 8);
                var samples = new float[size / 2];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BitConverter.ToInt16(bytes, pos + 8 + (2 * i)) / 32768f;
                }

                return samples;
            }

            pos += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{path}: no data chunk");
    }

    [GeneratedRegex(@"\[\d\d:\d\d:\d\d\.\d+ --> \d\d:\d\d:\d\d\.\d+\]")]
    private static partial Regex CliTimestamp();

    [GeneratedRegex(@"cpu_s=([\d.]+) ([\d.]+)")]
    private static partial Regex CpuSeconds();

    [GeneratedRegex(@"peak_kb=(\d+)")]
    private static partial Regex PeakKb();
}
