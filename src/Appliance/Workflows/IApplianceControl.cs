namespace VoiceAppliance.Workflows;

/// <summary>
/// The appliance controls a workflow may use: volume, mute, speaking later (timers, announcements).
/// The pipeline implements it.
/// </summary>
public interface IApplianceControl
{
    /// <summary>Speaker volume, 0-100.</summary>
    int Volume { get; set; }

    /// <summary>Mutes the microphone once the current reply has been spoken.</summary>
    void MuteAfterReply();

    /// <summary>
    /// Speaks <paramref name="text"/> as its own session when the pipeline is idle; returns false when it
    /// is busy or muted (try again later).
    /// </summary>
    bool Say(string text);
}
