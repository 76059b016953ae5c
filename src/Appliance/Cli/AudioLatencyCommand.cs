using System.Globalization;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Cli;

/// <summary>
/// <c>appliance dev audio-latency [--seconds S] [--priority P] [--period-ms MS] [--buffer-ms MS] [--threads N]
/// [--device PCM]</c> (hidden bench command): how late audio threads wake up, with or without real-time priority.
/// N probe threads (default 2, like capture and playback) take <c>SCHED_FIFO</c> at P through the same
/// <see cref="RealTimeScheduling.ApplyToCurrentThread"/> the ALSA threads use (P = 0: normal scheduling), read their
/// policy back, then wake every period for S seconds and record how late each wake-up was; a wake-up later than the
/// buffer's slack (buffer - period) is one a capture device of that buffer would have overrun on. With
/// <c>--device</c>, a real ALSA capture at the same settings runs alongside and its recovered xruns are counted.
/// Run it while the CPU is loaded (whisper, a CPU hog) to see what real-time priority buys.
/// </summary>
public static class AudioLatencyCommand
{
    private const string Usage = "usage: appliance dev audio-latency [--seconds 1-3600] [--priority 0-99] [--period-ms 5-200] [--buffer-ms MS] [--threads 1-4] [--device PCM]";

    /// <summary>Runs the command (<paramref name="args"/> without <c>dev audio-latency</c>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        double seconds = 10;
        int priority = 20, periodMs = 20, threads = 2;
        int? bufferMs = null;
        string? device = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            var ok = args[i] switch
            {
                "--seconds" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) && seconds is >= 0.1 and <= 3600,
                "--priority" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out priority) && priority <= 99,
                "--period-ms" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out periodMs) && periodMs is >= 5 and <= 200,
                "--buffer-ms" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && (bufferMs = b) is >= 10 and <= 2000,
                "--threads" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out threads) && threads is >= 1 and <= 4,
                "--device" => (device = value) is { Length: > 0 },
                _ => false,
            };
            if (!ok)
            {
                await stderr.WriteLineAsync($"appliance dev audio-latency: unknown, incomplete or out-of-range option '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            i++;
        }

        var buffer = bufferMs ?? (4 * periodMs);
        if (buffer < 2 * periodMs)
        {
            await stderr.WriteLineAsync($"appliance dev audio-latency: --buffer-ms {buffer} is less than two periods ({2 * periodMs} ms).").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        var logger = loggerFactory.CreateLogger("audio-latency");
        var period = TimeSpan.FromMilliseconds(periodMs);
        var slack = TimeSpan.FromMilliseconds(buffer - periodMs);
        var probes = Enumerable.Range(0, threads).Select(i => new Probe($"probe-{i}", priority, period, seconds, logger)).ToArray();
        AlsaCapture? capture = null;
        if (device is not null)
        {
            capture = new AlsaCapture(
                new AlsaCaptureOptions { Device = device, PeriodFrames = 16 * periodMs, Periods = buffer / periodMs, RealTimePriority = priority, Channels = 1, SampleRate = 16000, Format = AlsaSampleFormat.S16LE },
                loggerFactory.CreateLogger<AlsaCapture>());
            capture.Start();
        }

        foreach (var p in probes)
        {
            p.Start();
        }

        foreach (var p in probes)
        {
            p.Join();
        }

        long xruns = -1;
        if (capture is not null)
        {
            xruns = capture.Xruns;
            await capture.DisposeAsync().ConfigureAwait(false);
        }

        loggerFactory.Dispose(); // flush the console logger before the report
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"audio-latency: {threads} thread(s), period {periodMs} ms, buffer {buffer} ms (slack {slack.TotalMilliseconds} ms), {seconds} s, asked for SCHED_FIFO {priority}, RLIMIT_RTPRIO {RealTimeScheduling.RtprioLimit()}, {Environment.ProcessorCount} cores")).ConfigureAwait(false);
        foreach (var p in probes)
        {
            await stdout.WriteLineAsync(p.Report(slack)).ConfigureAwait(false);
        }

        if (capture is not null)
        {
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"capture {device}: {xruns} xrun(s) recovered")).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private sealed class Probe
    {
        private readonly Thread _thread;
        private readonly int _priority;
        private readonly TimeSpan _period;
        private readonly ILogger _logger;
        private readonly double[] _lateMs;
        private int _count;
        private int _policy = -1;
        private int _policyPriority;

        public Probe(string name, int priority, TimeSpan period, double seconds, ILogger logger)
        {
            _priority = priority;
            _period = period;
            _logger = logger;
            _lateMs = new double[(int)Math.Ceiling(seconds * 1000 / period.TotalMilliseconds)];
            _thread = new Thread(Run) { IsBackground = true, Name = name };
        }

        public void Start() => _thread.Start();

        public void Join() => _thread.Join();

        public string Report(TimeSpan slack)
        {
            var sorted = _lateMs.AsSpan(0, _count).ToArray();
            Array.Sort(sorted);
            double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
            var overruns = sorted.Count(l => l > slack.TotalMilliseconds);
            var policy = _policy switch
            {
                RealTimeScheduling.SchedFifo => $"SCHED_FIFO {_policyPriority}",
                RealTimeScheduling.SchedOther => "SCHED_OTHER",
                _ => $"policy {_policy}",
            };
            return string.Create(CultureInfo.InvariantCulture, $"{_thread.Name}: {policy}; {sorted.Length} wake-ups, late by p50 {At(0.5):F3} ms, p99 {At(0.99):F3} ms, p99.9 {At(0.999):F3} ms, max {At(1.0):F3} ms; {overruns} later than the slack (would overrun)");
        }

        private void Run()
        {
            RealTimeScheduling.ApplyToCurrentThread(_priority, _thread.Name!, _logger);
            _policy = RealTimeScheduling.CurrentPolicy();
            _policyPriority = RealTimeScheduling.CurrentPriority();
            // Absolute CLOCK_MONOTONIC deadlines (clock_nanosleep TIMER_ABSTIME): the lateness is the scheduler's alone,
            // with no drift or rounding of our own.
            var periodNs = (long)(_period.TotalMilliseconds * 1_000_000);
            var start = Interop.Libc.MonotonicNanoseconds();
            for (var i = 0; i < _lateMs.Length; i++)
            {
                var due = start + (periodNs * (i + 1));
                Interop.Libc.SleepUntilMonotonic(due);
                _lateMs[i] = Math.Max(0, Interop.Libc.MonotonicNanoseconds() - due) / 1e6;
                _count = i + 1;
            }
        }
    }
}
