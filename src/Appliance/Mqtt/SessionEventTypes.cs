using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Mqtt;

/// <summary>The <see cref="SessionEventReport.EventType"/> values (also the Home Assistant event types).</summary>
public static class SessionEventTypes
{
    /// <summary>A session began.</summary>
    public const string SessionStarted = "session_started";

    /// <summary>A turn began (listening).</summary>
    public const string TurnStarted = "turn_started";

    /// <summary>A partial or final transcript.</summary>
    public const string Transcript = "transcript";

    /// <summary>A turn ended, with metrics.</summary>
    public const string TurnEnded = "turn_ended";

    /// <summary>The session ended, with its reason.</summary>
    public const string SessionEnded = "session_ended";

    /// <summary>The pipeline hit an error.</summary>
    public const string Error = "error";

    /// <summary>A wake word was heard (<see cref="SessionEventReport.Text"/> is the word, <see cref="SessionEventReport.Score"/> its score, <see cref="SessionEventReport.Reason"/> listen, barge_in or the configured event name).</summary>
    public const string Wake = "wake";

    /// <summary>All of them.</summary>
    public static IReadOnlyList<string> All { get; } = [SessionStarted, TurnStarted, Transcript, TurnEnded, SessionEnded, Error, Wake];
}
