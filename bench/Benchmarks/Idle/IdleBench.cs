using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Benchmarks.Idle;

/// <summary>
/// The daemon's idle footprint, measured the way a user would see it (<c>./build.sh bench idle</c>): it starts
/// <c>appliance run</c> as its own process with a configuration like a real one (Silero VAD, Piper, the grammar STT
/// over config/intents.json; MQTT off) whose microphone is an ALSA <c>type file</c> PCM reading a FIFO that this
/// bench fills with silence in real time (16 kHz mono S16, one period every period), so the capture thread blocks and
/// wakes as it does on a sound card. After <c>READY=1</c> (through a <c>NOTIFY_SOCKET</c> the bench binds) and a
/// settling pause it samples <c>/proc/PID/stat</c> utime+stime over the window and <c>/proc/PID/status</c>
/// VmRSS/VmHWM, for the JIT build (<c>dotnet src/Appliance/bin/Release/net10.0/appliance.dll</c>) and, when present,
/// the NativeAOT binary. Goal (issue 13): at most 0.5 % of one core and 150 MB RSS.
/// </summary>
public static class IdleBench
{
    private const string Usage = """
        usage: bench idle [--seconds N] [--settle N] [--dll PATH] [--aot PATH|none] [--tts resident|on-demand|both] [--unload-after-ms N] [--period-ms N]
          --seconds N   sampling window after READY (default 60)
          --settle N    seconds to wait after READY before sampling (default 5)
          --dll PATH    the JIT build (default src/Appliance/bin/Release/net10.0/appliance.dll; build it first)
          --aot PATH    the NativeAOT binary (default artifacts/aot/linux-x64/appliance when present; none: skip)
          --tts X       Models:TtsResidency to measure (default both: resident, then on-demand)
          --unload-after-ms N  Models:TtsUnloadAfterMs for on-demand (default 2000, so the voice is unloaded before
                        sampling starts; the daemon's default is a minute)
          --period-ms N Audio:PeriodMs (default 32, the daemon's default); the microphone FIFO is fed one period at a
                        time, as a sound card's DMA delivers it
        """;

    /// <summary>Runs the bench; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        var root = BenchTools.Root();
        var seconds = 60.0;
        var settle = 5.0;
        var dll = Path.Combine(root, "src", "Appliance", "bin", "Release", "net10.0", "appliance.dll");
        string? aot = Path.Combine(root, "artifacts", "aot", "linux-x64", "appliance");
        string[] residencies = ["resident", "on-demand"];
        var unloadAfterMs = 2000;
        var periodMs = 32;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds" when i + 1 < args.Length:
                    seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--settle" when i + 1 < args.Length:
                    settle = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--dll" when i + 1 < args.Length:
                    dll = Path.GetFullPath(args[++i]);
                    break;
                case "--aot" when i + 1 < args.Length:
                    aot = args[++i] == "none" ? null : Path.GetFullPath(args[i]);
                    break;
                case "--tts" when i + 1 < args.Length && args[i + 1] is "resident" or "on-demand" or "both":
                    residencies = args[++i] == "both" ? residencies : [args[i]];
                    break;
                case "--unload-after-ms" when i + 1 < args.Length:
                    unloadAfterMs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--period-ms" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var p) && p is >= 5 and <= 200:
                    periodMs = p;
                    i++;
                    break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        var rows = new List<IdleFigures>();
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"idle: {dll} is missing; build it first (dotnet build src/Appliance -c Release)");
            return 1;
        }

        foreach (var residency in residencies)
        {
            rows.Add(Measure("JIT " + residency, "dotnet", [dll], root, seconds, settle, residency, unloadAfterMs, periodMs));
        }

        if (aot is not null && File.Exists(aot))
        {
            foreach (var residency in residencies)
            {
                rows.Add(Measure("NativeAOT " + residency, aot, [], root, seconds, settle, residency, unloadAfterMs, periodMs));
            }
        }
        else
        {
            Console.WriteLine($"NativeAOT: skipped ({aot ?? "--aot none"} not found; ./build.sh aot-jobs publishes it)");
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle footprint: appliance run, real-time paced file microphone (16 kHz mono, {periodMs} ms periods), Silero + Piper + grammar STT, MQTT off; {seconds:0} s after READY + {settle:0} s"));
        Console.WriteLine("build (Models:TtsResidency)  ready s   CPU % of one core   VmRSS MB (min..max)   VmHWM MB   threads");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Name,-27} {r.ReadySeconds,8:0.0} {r.CpuPercent,19:0.00}   {r.RssMinMb,8:0.0}..{r.RssMaxMb,-8:0.0}   {r.HwmMb,9:0.0} {r.Threads,9}"));
        }

        Console.WriteLine("goal: <= 0.50 % of one core, RSS <= 150 MB");
        return rows.TrueForAll(r => r.Ok) ? 0 : 1;
    }

    private static IdleFigures Measure(string name, string program, string[] prefix, string root, double seconds, double settle, string residency, int unloadAfterMs, int periodMs)
    {
        var dir = Directory.CreateTempSubdirectory("appliance-idle-");
        try
        {
            var fifo = Path.Combine(dir.FullName, "mic.fifo");
            if (!BenchTools.Exec("mkfifo", [fifo], out var err))
            {
                throw new InvalidOperationException("mkfifo failed: " + err);
            }

            var devices = new AlsaFileDevices(Path.Combine(dir.FullName, "asoundrc"));
            devices.AddCapture("mic", fifo);
            devices.AddPlayback("speaker", Path.Combine(dir.FullName, "speaker.wav"));
            File.WriteAllText(devices.ConfigurationPath, devices.Text);
            var config = Path.Combine(dir.FullName, "appliance.json");
            File.WriteAllText(config, $$"""
                {
                  "Audio": { "CaptureDevice": "mic", "PlaybackDevice": "speaker", "MicProfile": "generic", "CaptureRate": 16000, "Channel": "0", "PeriodMs": {{periodMs}} },
                  "Models": { "Directory": "{{Json(Path.Combine(root, "models"))}}", "Stt": "grammar", "TtsResidency": "{{residency}}", "TtsUnloadAfterMs": {{unloadAfterMs}} },
                  "Workflow": { "Kind": "intents", "IntentsFile": "{{Json(Path.Combine(root, "config", "intents.json"))}}" },
                  "Mqtt": { "Enabled": false },
                  "Service": { "StateDirectory": "{{Json(dir.FullName)}}", "LogLevel": "warning" }
                }
                """);

            var notifyPath = Path.Combine(dir.FullName, "notify.sock");
            using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
            notify.ReceiveTimeout = 1000;

            var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in prefix)
            {
                psi.ArgumentList.Add(a);
            }

            psi.ArgumentList.Add("run");
            psi.ArgumentList.Add("--config");
            psi.ArgumentList.Add(config);
            psi.Environment["ALSA_CONFIG_PATH"] = devices.AlsaConfigPathValue;
            psi.Environment["NOTIFY_SOCKET"] = notifyPath;
            psi.Environment["APPLIANCE_MODELS_DIR"] = Path.Combine(root, "models");

            using var stop = new CancellationTokenSource();
            var writer = new Thread(() => FeedSilence(fifo, periodMs, stop.Token)) { IsBackground = true, Name = "idle-mic" };
            var started = Stopwatch.StartNew();
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + program);
            var log = new StringBuilder();
            process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            writer.Start();
            try
            {
                var ready = WaitReady(notify, process, TimeSpan.FromSeconds(180));
                if (ready is null)
                {
                    lock (log)
                    {
                        Console.Error.WriteLine($"{name}: no READY=1 (exit {(process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "-")}); output:\n{log}");
                    }

                    return new IdleFigures(name, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, false);
                }

                var readySeconds = started.Elapsed.TotalSeconds;
                Thread.Sleep(TimeSpan.FromSeconds(settle));
                var pid = process.Id;
                var threads0 = ThreadSnapshot(pid);
                var ticks0 = CpuTicks(pid);
                var clock = Stopwatch.StartNew();
                double rssMin = double.MaxValue, rssMax = 0;
                while (clock.Elapsed.TotalSeconds < seconds && !process.HasExited)
                {
                    var rss = StatusKb(pid, "VmRSS:") / 1024.0;
                    rssMin = Math.Min(rssMin, rss);
                    rssMax = Math.Max(rssMax, rss);
                    Thread.Sleep(1000);
                }

                if (process.HasExited)
                {
                    Console.Error.WriteLine($"{name}: the daemon exited ({process.ExitCode}) during the window:\n{log}");
                    return new IdleFigures(name, readySeconds, double.NaN, double.NaN, double.NaN, double.NaN, 0, false);
                }

                var ticks1 = CpuTicks(pid);
                var elapsed = clock.Elapsed.TotalSeconds;
                PrintThreads(name, threads0, ThreadSnapshot(pid), elapsed);
                var cpu = 100.0 * (ticks1 - ticks0) / ClockTicksPerSecond() / elapsed;
                var hwm = StatusKb(pid, "VmHWM:") / 1024.0;
                var threads = (int)StatusKb(pid, "Threads:");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: READY after {readySeconds:0.0} s; {ticks1 - ticks0} ticks in {elapsed:0.0} s = {cpu:0.00} % of one core; VmRSS {rssMin:0.0}..{rssMax:0.0} MB, VmHWM {hwm:0.0} MB, {threads} threads"));
                return new IdleFigures(name, readySeconds, cpu, rssMin, rssMax, hwm, threads, true);
            }
            finally
            {
                stop.Cancel();
                if (!process.HasExited)
                {
                    _ = BenchTools.Exec("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], out _);
                    if (!process.WaitForExit(15000))
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }

                process.WaitForExit();
                writer.Join(5000);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Writes one period of 16 kHz mono S16 silence every period (absolute deadlines) into the microphone FIFO.</summary>
    private static void FeedSilence(string fifo, int periodMs, CancellationToken stop)
    {
        var chunk = new byte[16 * periodMs * 2];
        try
        {
            using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
            var clock = Stopwatch.StartNew();
            long written = 0;

            while (!stop.IsCancellationRequested)
            {
                stream.Write(chunk);
                stream.Flush();
                written++;
                var due = TimeSpan.FromMilliseconds(written * periodMs);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    Thread.Sleep(wait);
                }
            }
        }
        catch (IOException)
        {
            // the daemon closed the microphone (it stopped)
        }
    }

    private static string? WaitReady(Socket notify, Process process, TimeSpan timeout)
    {
        var buffer = new byte[4096];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !process.HasExited)
        {
            try
            {
                var n = notify.Receive(buffer);
                var text = Encoding.UTF8.GetString(buffer, 0, n);
                if (text.Contains("READY=1", StringComparison.Ordinal))
                {
                    return text;
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
            }
        }

        return null;
    }

    /// <summary>
    /// Per thread: name, utime+stime ticks, context switches (voluntary + involuntary) and CPU nanoseconds
    /// (<c>/proc/PID/task/TID/schedstat</c>), keyed by thread id, so the
    /// window's cost can be split by thread (the wake-ups per second are what an idle daemon spends its CPU on).
    /// </summary>
    private static Dictionary<int, (string Name, long Ticks, long Switches, long Nanoseconds)> ThreadSnapshot(int pid)
    {
        var result = new Dictionary<int, (string, long, long, long)>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var tid = int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                long switches = 0;
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        switches += long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
                    }
                }

                // schedstat's first field is the time on a CPU in nanoseconds, exact where the ticks are sampled.
                var nanoseconds = long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture);
                result[tid] = (stat[(open + 1)..close], ticks, switches, nanoseconds);
            }
            catch (IOException)
            {
                // the thread ended between the listing and the read
            }
        }

        return result;
    }

    private static void PrintThreads(string name, Dictionary<int, (string Name, long Ticks, long Switches, long Nanoseconds)> before, Dictionary<int, (string Name, long Ticks, long Switches, long Nanoseconds)> after, double seconds)
    {
        var rows = new List<(string Name, long Ticks, double Wakeups, double CpuMs)>();
        double totalMs = 0;
        foreach (var (tid, a) in after)
        {
            var b = before.TryGetValue(tid, out var x) ? x : (a.Name, 0L, 0L, 0L);
            var ticks = a.Ticks - b.Item2;
            var wakeups = (a.Switches - b.Item3) / seconds;
            var cpuMs = (a.Nanoseconds - b.Item4) / 1e6;
            totalMs += cpuMs;
            if (ticks > 0 || wakeups >= 0.5 || cpuMs >= 1)
            {
                rows.Add(($"{a.Name} ({tid})", ticks, wakeups, cpuMs));
            }
        }

        rows.Sort((l, r) => r.CpuMs.CompareTo(l.CpuMs));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {totalMs:0} ms on a CPU in {seconds:0.0} s by schedstat = {totalMs / seconds / 10:0.000} % of one core; threads that ran (CPU ms, ticks, context switches per second):"));
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Name,-28} {r.CpuMs,8:0.0} ms {r.Ticks,5} ticks {r.Wakeups,8:0.0}/s"));
        }
    }

    /// <summary>utime + stime of <paramref name="pid"/> in clock ticks (/proc/PID/stat fields 14 and 15).</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static double StatusKb(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var value = line[key.Length..].Trim().Split(' ')[0];
                return double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }

    private static long ClockTicksPerSecond()
    {
        var psi = new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return long.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var hz) && hz > 0 ? hz : 100;
    }

    private static string Json(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private sealed record IdleFigures(string Name, double ReadySeconds, double CpuPercent, double RssMinMb, double RssMaxMb, double HwmMb, int Threads, bool Ok);
}
