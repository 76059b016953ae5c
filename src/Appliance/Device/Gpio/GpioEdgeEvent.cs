namespace VoiceAppliance.Device.Gpio;

/// <summary>One edge read from a line, with the kernel's monotonic timestamp.</summary>
/// <param name="Edge">Which edge.</param>
/// <param name="TimestampNs">Kernel timestamp in nanoseconds (CLOCK_MONOTONIC unless configured otherwise).</param>
/// <param name="Offset">The line offset on its chip.</param>
/// <param name="Sequence">The line's event sequence number; a gap means the kernel buffer overflowed.</param>
public readonly record struct GpioEdgeEvent(GpioEdge Edge, ulong TimestampNs, uint Offset, uint Sequence);
