namespace VoiceAppliance.Pipeline;

/// <summary>What started a session.</summary>
public enum SessionTrigger
{
    /// <summary>The push-to-talk button, held: listen while held.</summary>
    PushToTalkHold,

    /// <summary>The push-to-talk button, tapped: listen until the endpoint.</summary>
    PushToTalkTap,

    /// <summary>A "listen" command (MQTT, CLI).</summary>
    ListenCommand,

    /// <summary>A "say" command: speak text without listening.</summary>
    Say,

    /// <summary>A clip to play (an intercom message) without listening.</summary>
    Play,

    /// <summary>A wake word (<c>Pipeline:WakeWord</c>): listen until the endpoint, from just after the word.</summary>
    WakeWord,
}
