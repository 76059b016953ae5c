using System.Runtime.InteropServices;

namespace VoiceAppliance;

internal static partial class Interop
{
    internal static partial class Libc
    {
        private const int ClockMonotonic = 1;
        private const int TimerAbsTime = 1;
        private const int Eintr = 4;

        /// <summary>glibc's <c>int malloc_trim(size_t pad)</c>: returns free heap memory to the system; 1 if any was released.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "malloc_trim")]
        internal static partial int MallocTrim(nuint pad);

        /// <summary>CLOCK_MONOTONIC now, in nanoseconds.</summary>
        internal static unsafe long MonotonicNanoseconds()
        {
            TimeSpec now;
            _ = clock_gettime(ClockMonotonic, &now);
            return (now.tv_sec * 1_000_000_000) + now.tv_nsec;
        }

        /// <summary>Sleeps until CLOCK_MONOTONIC reaches <paramref name="deadlineNs"/> (absolute; restarted after signals).</summary>
        internal static unsafe void SleepUntilMonotonic(long deadlineNs)
        {
            var deadline = new TimeSpec { tv_sec = deadlineNs / 1_000_000_000, tv_nsec = deadlineNs % 1_000_000_000 };
            while (clock_nanosleep(ClockMonotonic, TimerAbsTime, &deadline, null) == Eintr)
            {
            }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long tv_sec;
            public long tv_nsec;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "clock_gettime")]
        private static unsafe partial int clock_gettime(int clock, TimeSpec* now);

        // Returns the error number itself (0 on success).
        [LibraryImport(Libraries.Libc, EntryPoint = "clock_nanosleep")]
        private static unsafe partial int clock_nanosleep(int clock, int flags, TimeSpec* request, TimeSpec* remain);

        /// <summary>O_RDONLY | O_CLOEXEC (the same on Linux x86-64 and arm64; O_DIRECTORY is not, so it is not used).</summary>
        internal const int ReadOnlyCloseOnExec = 0x80000;

        /// <summary><c>int open(const char *path, int flags)</c>; here to fsync a directory (named apart from the GPIO driver's open).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int OpenForSync(string path, int flags);

        /// <summary><c>int fsync(int fd)</c>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "fsync", SetLastError = true)]
        internal static partial int Fsync(int fd);

        /// <summary><c>int close(int fd)</c> for <see cref="OpenForSync"/>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
        internal static partial int CloseAfterSync(int fd);
    }
}
