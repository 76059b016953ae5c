using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Benchmarks.Audio;

/// <summary>
/// <c>dotnet run --project bench/Benchmarks -c Release -- audio-capture [seconds]</c>: the real
/// <see cref="AlsaCapture"/> (libasound, a <c>type file</c> PCM of 4-channel 48 kHz S32_LE audio, unpaced)
/// feeding a reader of 512-sample windows. Prints process CPU time per second of audio (share of one core)
/// and bytes allocated per second of audio in steady state (after a warm-up run).
/// </summary>
public static class CaptureBench
{
    public static int Run(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
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
            };

            Measure(options, 1, warmup: true);
            var (cpu, allocated, windows) = Measure(options, seconds, warmup: false);
            Console.WriteLine($"audio-capture: {seconds} s of {Channels}ch {Rate} Hz S32_LE through libasound -> 16 kHz mono, {windows} windows of 512");
            Console.WriteLine($"  CPU per second of audio : {cpu.TotalMilliseconds / seconds:F2} ms  ({cpu.TotalMilliseconds / seconds / 10:F3} % of one core)");
            Console.WriteLine($"  allocated per second    : {allocated / seconds} bytes (whole process, steady state)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (TimeSpan Cpu, long Allocated, long Windows) Measure(AlsaCaptureOptions options, int seconds, bool warmup)
    {
        var capture = new AlsaCapture(options with { MaxFrames = warmup ? 48000 : options.MaxFrames });
        var window = new float[512];
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        capture.Start();
        var windows = ReadAll(capture, window).GetAwaiter().GetResult();
        var alloc1 = GC.GetTotalAllocatedBytes(precise: true);
        process.Refresh();
        var cpu1 = process.TotalProcessorTime;
        capture.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _ = seconds;
        return (cpu1 - cpu0, alloc1 - alloc0, windows);
    }

    private static async Task<long> ReadAll(AlsaCapture capture, float[] window)
    {
        long windows = 0;
        while (await capture.ReadAsync(window, CancellationToken.None).ConfigureAwait(false))
        {
            windows++;
        }

        return windows;
    }
}
