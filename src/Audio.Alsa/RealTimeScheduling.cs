using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// Real-time scheduling for the audio threads: <c>SCHED_FIFO</c> at a modest priority, so that a Pi busy with
/// Whisper on every core still wakes the capture and playback threads in time (<see cref="ThreadPriority"/> does
/// nothing under Linux's normal scheduler). Allowed when the process has CAP_SYS_NICE or an <c>RLIMIT_RTPRIO</c> at
/// least the priority (the systemd unit grants <c>LimitRTPRIO=</c>); when it is not, the thread stays at normal
/// priority and ONE warning per process says so and how to grant it.
/// </summary>
public static partial class RealTimeScheduling
{
    /// <summary>Linux's normal time-sharing policy.</summary>
    public const int SchedOther = 0;

    /// <summary>First-in first-out real-time policy.</summary>
    public const int SchedFifo = 1;

    private const int RlimitRtprio = 14;
    private static int s_deniedLogged;

    /// <summary>
    /// Puts the calling thread under <c>SCHED_FIFO</c> at <paramref name="priority"/> (1..99); 0 or less leaves it
    /// alone. Returns true when applied. A denial is logged once per process (a warning naming the limit and the
    /// fix); later denials are silent.
    /// </summary>
    public static bool ApplyToCurrentThread(int priority, string threadName, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (priority <= 0 || !OperatingSystem.IsLinux())
        {
            return false;
        }

        var error = TrySetFifo(Math.Min(priority, 99));
        if (error == 0)
        {
            LogApplied(logger, threadName, priority);
            return true;
        }

        if (Interlocked.Exchange(ref s_deniedLogged, 1) == 0)
        {
            LogDenied(logger, priority, threadName, Marshal.GetPInvokeErrorMessage(error), RtprioLimit());
        }

        return false;
    }

    /// <summary>Sets <c>SCHED_FIFO</c> at <paramref name="priority"/> on the calling thread; 0 or the errno.</summary>
    public static unsafe int TrySetFifo(int priority)
    {
        var param = new Interop.Libc.SchedParam { sched_priority = priority };
        return Interop.Libc.pthread_setschedparam(Interop.Libc.pthread_self(), SchedFifo, &param);
    }

    /// <summary>The calling thread's policy as the kernel reports it (<c>sched_getscheduler</c> on this thread).</summary>
    public static int CurrentPolicy() => Interop.Libc.sched_getscheduler(0);

    /// <summary>The calling thread's real-time priority (0 under <c>SCHED_OTHER</c>).</summary>
    public static unsafe int CurrentPriority()
    {
        var param = default(Interop.Libc.SchedParam);
        return Interop.Libc.sched_getparam(0, &param) == 0 ? param.sched_priority : -1;
    }

    /// <summary>The soft <c>RLIMIT_RTPRIO</c> of this process (-1 when it cannot be read, <see cref="long.MaxValue"/> when unlimited).</summary>
    public static unsafe long RtprioLimit()
    {
        var limit = default(Interop.Libc.RLimit);
        if (Interop.Libc.getrlimit(RlimitRtprio, &limit) != 0)
        {
            return -1;
        }

        return limit.rlim_cur == ulong.MaxValue ? long.MaxValue : (long)limit.rlim_cur;
    }

    [LoggerMessage(EventId = 240, Level = LogLevel.Debug, Message = "{Thread}: SCHED_FIFO priority {Priority}")]
    private static partial void LogApplied(ILogger logger, string thread, int priority);

    [LoggerMessage(EventId = 241, Level = LogLevel.Warning, Message = "Real-time priority (SCHED_FIFO {Priority}) not allowed for {Thread}: {Error} (RLIMIT_RTPRIO {Limit}); the audio threads run at normal priority and may overrun on a busy CPU. Grant it with LimitRTPRIO={Priority} in the systemd unit (the shipped unit does), or set Audio:RealTimePriority to 0 to stop asking")]
    private static partial void LogDenied(ILogger logger, int priority, string thread, string error, long limit);
}
