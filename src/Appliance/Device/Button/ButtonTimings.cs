namespace VoiceAppliance.Device.Button;

/// <summary>Timing of the button logic.</summary>
/// <param name="Debounce">A new level must be stable this long to count (0 = trust the kernel's debounce).</param>
/// <param name="HoldThreshold">A press at least this long is a hold (push-to-talk), shorter is a tap.</param>
/// <param name="LongPress">Held this long raises <see cref="ButtonGesture.LongPress"/>.</param>
/// <param name="DoublePressWindow">A press starting this soon after a tap's release is a double press; 0 disables
/// double-press detection (taps are then reported at release, without waiting).</param>
public sealed record ButtonTimings(TimeSpan Debounce, TimeSpan HoldThreshold, TimeSpan LongPress, TimeSpan DoublePressWindow)
{
    /// <summary>30 ms debounce, 400 ms hold, 2 s long press, 350 ms double-press window.</summary>
    public static ButtonTimings Default { get; } = new(TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(350));
}
