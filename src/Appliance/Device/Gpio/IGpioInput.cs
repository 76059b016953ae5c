namespace VoiceAppliance.Device.Gpio;

/// <summary>A requested input line.</summary>
public interface IGpioInput : IDisposable
{
    /// <summary>The logical value (true = active).</summary>
    bool Read();

    /// <summary>
    /// Blocks until an edge arrives or <paramref name="timeout"/> passes; returns false on timeout. Call from
    /// a dedicated thread (see <see cref="GpioEdgeMonitor"/>).
    /// </summary>
    bool WaitForEdge(TimeSpan timeout, out GpioEdgeEvent edge);
}
