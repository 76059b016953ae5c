using System.Globalization;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>What an intent does besides speaking its reply.</summary>
public enum IntentActionKind
{
    /// <summary>Publish <see cref="IntentActionOptions.Payload"/> to <see cref="IntentActionOptions.Topic"/> (MQTT).</summary>
    Publish,

    /// <summary>Set the speaker volume to <see cref="IntentActionOptions.Value"/> (0-100).</summary>
    SetVolume,

    /// <summary>Mute the microphone after the reply.</summary>
    Mute,

    /// <summary>Say the time (appended to the reply; or use {time} in the reply).</summary>
    TellTime,

    /// <summary>Say the date (appended to the reply; or use {date} in the reply).</summary>
    TellDate,

    /// <summary>Start a timer of <see cref="IntentActionOptions.Value"/> <see cref="IntentActionOptions.Unit"/>; when it fires the device says <see cref="IntentActionOptions.Payload"/>.</summary>
    StartTimer,
}
