using System.Globalization;
using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Audio.Alsa.Tests;

/// <summary>
/// SCHED_FIFO for the audio threads, read back from the kernel (<c>sched_getscheduler</c> on the thread itself, and
/// <c>/proc/self/task/TID/stat</c> for the capture thread). Where this machine does not allow real time at all (no
/// CAP_SYS_NICE, RLIMIT_RTPRIO 0), the fallback is what is checked; the denied case proper runs in a child process
/// in the appliance tests (RealTimeFallbackTests).
/// </summary>
[Collection("audio kernels")] // apart from the other capture tests: the capture thread is found by its name
public sealed class RealTimeSchedulingTests
{
    private static bool Allowed(int priority)
    {
        var allowed = false;
        var t = new Thread(() => allowed = RealTimeScheduling.TrySetFifo(priority) == 0);
        t.Start();
        t.Join();
        return allowed;
    }

    private static (int Policy, int Priority)? ThreadPolicy(string name, int wantedPriority)
    {
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != name)
                {
                    continue;
                }

                // stat: "pid (comm) state ..." - fields after the closing parenthesis; rt_priority is field 40, policy 41.
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var rtPriority = int.Parse(fields[40 - 3], CultureInfo.InvariantCulture);
                var policy = int.Parse(fields[41 - 3], CultureInfo.InvariantCulture);
                if (rtPriority == wantedPriority || wantedPriority == 0)
                {
                    return (policy, rtPriority);
                }
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }

        return null;
    }

    [Fact]
    public void Fifo_is_applied_and_read_back_on_the_thread_or_refused_with_one_warning()
    {
        var allowed = Allowed(3);
        var logger = new CountingLogger();
        var results = new List<(bool Applied, int Policy, int Priority)>();
        for (var i = 0; i < 2; i++)
        {
            var t = new Thread(() =>
            {
                var applied = RealTimeScheduling.ApplyToCurrentThread(3, "test", logger);
                lock (results)
                {
                    results.Add((applied, RealTimeScheduling.CurrentPolicy(), RealTimeScheduling.CurrentPriority()));
                }
            });
            t.Start();
            t.Join();
        }

        if (allowed)
        {
            Assert.All(results, r => Assert.Equal((true, RealTimeScheduling.SchedFifo, 3), r));
            Assert.Equal(0, logger.Warnings);
        }
        else
        {
            Assert.All(results, r => Assert.Equal((false, RealTimeScheduling.SchedOther, 0), r));
            Assert.True(logger.Warnings <= 1, "the denial is logged once per process, not per thread");
        }
    }

    [Fact]
    public void Priority_zero_leaves_the_thread_under_normal_scheduling()
    {
        var policy = -1;
        var applied = true;
        var t = new Thread(() =>
        {
            applied = RealTimeScheduling.ApplyToCurrentThread(0, "test", new CountingLogger());
            policy = RealTimeScheduling.CurrentPolicy();
        });
        t.Start();
        t.Join();
        Assert.False(applied);
        Assert.Equal(RealTimeScheduling.SchedOther, policy);
    }

    [Fact]
    public async Task The_capture_thread_runs_under_sched_fifo_at_the_configured_priority()
    {
        using var scratch = new AlsaScratch();
        var total = scratch.AddMic("mic", Signals.Tone(440, 16000, 16000, 0.3f), AlsaSampleFormat.S16LE, 1);
        await using var capture = new AlsaCapture(new AlsaCaptureOptions
        {
            Device = "mic",
            ConfigurationFile = scratch.ConfigurationPath,
            Format = AlsaSampleFormat.S16LE,
            Channels = 1,
            SampleRate = 16000,
            MaxFrames = total,
            PaceInRealTime = true, // one second: the thread lives long enough to be looked at
            RealTimePriority = 7,
        });
        capture.Start();
        Assert.True(capture.WaitForSamples(1600, TimeSpan.FromSeconds(10), CancellationToken.None));
        var found = ThreadPolicy("alsa-capture", Allowed(7) ? 7 : 0);
        Assert.NotNull(found);
        Assert.Equal(Allowed(7) ? (RealTimeScheduling.SchedFifo, 7) : (RealTimeScheduling.SchedOther, 0), found.Value);
    }

    private sealed class CountingLogger : ILogger
    {
        private int _warnings;

        public int Warnings => Volatile.Read(ref _warnings);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Interlocked.Increment(ref _warnings);
            }
        }
    }
}
