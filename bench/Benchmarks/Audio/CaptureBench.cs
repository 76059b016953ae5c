using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Benchmarks.Audio;

/// <summary>
/// <c>dotnet run --project bench/Benchmarks -c Release -- audio-capture [seconds]</c>: the real
/// <see cref="AlsaCapture"/> (libasound, a <c>type file</c> PCM of 4-channel 48 kHz S32_LE audio, unpaced)
/// feeding a reader of 512-sample windows. Prints process CPU time per second of audio (share of one core)
/// and bytes allocated per second of audio in steady state (after a warm-up run). Add <c>paced</c> to pace
/// the file PCM in real time, so the reader waits for every period as it does on a real device.
/// </summary>
public static class CaptureBench
{
    public static int Run(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var paced = args.Contains("paced"); // real-time pacing: the reader waits for every period, as on a device
        var dir = Path.Combine(Path.GetTempPath(), $"audio-capture-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            const int Rate = 48000;
            const int Channels = 4;
            var samples = new float[Rate * seconds * Channels];
            for (var i = 0; i < samples.Length; i++)
            {
                var frame = i / Channels;
                samples[i] = 0.3f * MathF.Sin(2 * MathF.PI * (440 + (i % Channels * 100)) * frame / Rate);
            }

            var raw = Path.Combine(dir, "mic.raw");
            AlsaFileDevices.WriteRaw(raw, samples, AlsaSampleFormat.S32LE);
            var devices = new AlsaFileDevices(Path.Combine(dir, "asoundrc"));
            devices.AddCapture("mic", raw);
            var options = new AlsaCaptureOptions
            {
                Device = "mic",
                ConfigurationFile = devices.ConfigurationPath,
                Format = AlsaSampleFormat.S32LE,
                Channels = Channels,
                SampleRate = Rate,
                Selection = ChannelSelection.Downmix,
                MaxFrames = (long)Rate * seconds,
                RingSeconds = seconds + 1, // the reader never loses audio, so every second is processed
                PaceInRealTime = paced,
            };

            Measure(options, 1, warmup: true);
            var (cpu, allocated, windows, threadNs, measuredSeconds) = Measure(options, seconds, warmup: false);
            Console.WriteLine($"audio-capture: {seconds} s of {Channels}ch {Rate} Hz S32_LE through libasound -> 16 kHz mono, {windows} windows of 512{(paced ? ", paced in real time" : ", unpaced")}");
            Console.WriteLine($"  capture thread CPU per second of audio (readi + convert + mix + DC + resample + ring): {threadNs / 1e6 / measuredSeconds:F2} ms ({threadNs / 1e7 / measuredSeconds:F3} % of one core; /proc schedstat, seconds 2..{seconds - 1})");
            Console.WriteLine($"  whole process CPU per second of audio (adds the reader, thread wake-ups, runtime): {cpu.TotalMilliseconds / seconds:F2} ms ({cpu.TotalMilliseconds / seconds / 10:F3} % of one core)");
            Console.WriteLine($"  allocated in steady state: {allocated} bytes in {measuredSeconds:F1} s of audio = {allocated / measuredSeconds:F0} bytes/s (whole process, GC.GetTotalAllocatedBytes, same window)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (TimeSpan Cpu, long Allocated, long Windows, long ThreadNs, double MeasuredSeconds) Measure(AlsaCaptureOptions options, int seconds, bool warmup)
    {
        var capture = new AlsaCapture(options with { MaxFrames = warmup ? 48000 : options.MaxFrames });
        var window = new float[512];
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        capture.Start();
        var counters = new long[4];
        var lastWindow = Math.Max(33, (seconds - 1) * 16000 / 512);
        var windows = ReadAll(capture, window, counters, lastWindow).GetAwaiter().GetResult();
        var alloc0 = counters[0];
        var alloc1 = counters[3];
        process.Refresh();
        var cpu1 = process.TotalProcessorTime;
        capture.DisposeAsync().AsTask().GetAwaiter().GetResult();
        var measured = (lastWindow - 32) * 512 / 16000.0; // audio seconds between the two snapshots
        return (cpu1 - cpu0, alloc1 - alloc0, windows, counters[2] - counters[1], measured);
    }

    private static async Task<long> ReadAll(AlsaCapture capture, float[] window, long[] counters, long lastWindow)
    {
        long windows = 0;
        while (await capture.ReadAsync(window, CancellationToken.None).ConfigureAwait(false))
        {
            windows++;
            if (windows == 32)
            {
                counters[1] = CaptureThreadNanoseconds();
                counters[0] = GC.GetTotalAllocatedBytes(precise: true); // one second in: steady state from here
            }
            else if (windows == lastWindow)
            {
                counters[3] = GC.GetTotalAllocatedBytes(precise: true);
                counters[2] = CaptureThreadNanoseconds();
            }
        }

        return windows;
    }

    /// <summary>CPU time of the "alsa-capture" thread in ns (/proc/self/task/*/schedstat, first field).</summary>
    private static long CaptureThreadNanoseconds()
    {
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "alsa-capture")
                {
                    var stat = File.ReadAllText(Path.Combine(task, "schedstat"));
                    return long.Parse(stat.AsSpan(0, stat.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
            }
        }

        return 0;
    }
}
