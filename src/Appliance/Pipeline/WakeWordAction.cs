namespace VoiceAppliance.Pipeline;

/// <summary>What a wake word does when it is heard (<c>Pipeline:WakeWord:Words:N:Action</c>).</summary>
public enum WakeWordAction
{
    /// <summary>Start a session that listens, as the button does; while the device speaks with echo cancellation, barge in.</summary>
    Listen,

    /// <summary>Only report it: a <c>wake</c> event named <see cref="WakeWordEntry.Event"/> (MQTT reports it), no session.</summary>
    Event,
}
