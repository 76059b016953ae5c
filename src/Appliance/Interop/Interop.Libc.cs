using System.Runtime.InteropServices;

namespace VoiceAppliance;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>glibc's <c>int malloc_trim(size_t pad)</c>: returns free heap memory to the system; 1 if any was released.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "malloc_trim")]
        internal static partial int MallocTrim(nuint pad);

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
