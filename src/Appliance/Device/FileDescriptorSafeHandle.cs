using System.Runtime.InteropServices;

namespace VoiceAppliance.Device;

/// <summary>Owns one Linux file descriptor (a GPIO chip, a GPIO line request or an spidev node).</summary>
internal sealed class FileDescriptorSafeHandle : SafeHandle
{
    public FileDescriptorSafeHandle(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The descriptor number for a system call.</summary>
    public int Fd => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => Interop.Libc.close((int)handle.ToInt64()) == 0;
}
