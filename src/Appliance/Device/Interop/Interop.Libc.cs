using System.Runtime.InteropServices;

namespace VoiceAppliance;

internal static partial class Interop
{
    /// <summary>
    /// The few libc calls the GPIO and SPI character devices need. Named by its soname so that both the JIT
    /// and NativeAOT loaders find it without a resolver entry.
    /// </summary>
    internal static partial class Libc
    {
        internal const string Name = "libc.so.6";

        internal const int O_RDONLY = 0x0;
        internal const int O_RDWR = 0x2;
        internal const int O_CLOEXEC = 0x80000;
        internal const short POLLIN = 0x1;
        internal const int EINTR = 4;
        internal const int EAGAIN = 11;

        [StructLayout(LayoutKind.Sequential)]
        internal struct PollFd
        {
            internal int fd;
            internal short events;
            internal short revents;
        }

        [LibraryImport(Name, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int open(string path, int flags);

        [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
        internal static partial int close(int fd);

        [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
        internal static unsafe partial int ioctl(int fd, nuint request, void* argp);

        [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
        internal static unsafe partial nint read(int fd, void* buf, nuint count);

        [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
        internal static unsafe partial nint write(int fd, void* buf, nuint count);

        [LibraryImport(Name, EntryPoint = "poll", SetLastError = true)]
        internal static unsafe partial int poll(PollFd* fds, nuint nfds, int timeoutMs);
    }
}
