using System.Runtime.InteropServices;

namespace VoiceAppliance.Device;

/// <summary>
/// A GPIO or SPI system call failed. The message names the device, the operation, the kernel's error text
/// and, where one is known, the fix.
/// </summary>
public sealed class DeviceIOException : IOException
{
    /// <summary>Creates the exception with a complete message.</summary>
    public DeviceIOException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a complete message and its cause.</summary>
    public DeviceIOException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DeviceIOException()
    {
    }

    /// <summary>The errno of the failed call (0 when the failure was not a system call).</summary>
    public int Errno { get; private init; }

    /// <summary>The one place that turns an errno into an exception; call right after the failed P/Invoke.</summary>
    internal static DeviceIOException FromLastError(string device, string operation)
    {
        var errno = Marshal.GetLastPInvokeError();
        var fix = errno switch
        {
            2 => " Check that the device exists (is the overlay enabled in /boot/firmware/config.txt?).",
            13 => " Add the service user to the 'gpio' / 'spi' group, or check the unit's DeviceAllow=.",
            16 => " Another program holds the line (see `gpioinfo`); stop it or pick another line.",
            _ => string.Empty,
        };
        return new DeviceIOException($"{device}: {operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).{fix}") { Errno = errno };
    }
}
