namespace VoiceAppliance.Device.Button;

/// <summary>One typed button event, for the pipeline and MQTT.</summary>
/// <param name="Gesture">What happened.</param>
/// <param name="Time">When (from the detector's <see cref="TimeProvider"/>).</param>
/// <param name="HeldFor">How long the button had been down (zero for <see cref="ButtonGesture.Pressed"/>).</param>
public readonly record struct ButtonEvent(ButtonGesture Gesture, DateTimeOffset Time, TimeSpan HeldFor);
