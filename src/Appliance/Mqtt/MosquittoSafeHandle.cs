using System.Runtime.InteropServices;

namespace VoiceAppliance.Mqtt;

/// <summary>Owns a <c>struct mosquitto *</c>; released with <c>mosquitto_destroy</c>.</summary>
internal sealed class MosquittoSafeHandle : SafeHandle
{
    /// <summary>Creates an empty handle (used by the marshaller).</summary>
    public MosquittoSafeHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <summary>Wraps a handle returned by <c>mosquitto_new</c>.</summary>
    public MosquittoSafeHandle(nint handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        Interop.Mosquitto.mosquitto_destroy(handle);
        return true;
    }
}
