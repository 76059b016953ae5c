namespace VoiceAppliance.Pipeline;

/// <summary>Why a session ended. The wire names (<see cref="PipelineWireNames"/>) are snake_case.</summary>
public enum SessionEndReason
{
    /// <summary>The interaction completed.</summary>
    Nominal,

    /// <summary>The watchdog ended a stuck turn.</summary>
    Timeout,

    /// <summary>Nobody spoke before the no-speech timeout (or the push-to-talk button was released without speech).</summary>
    NoSpeech,

    /// <summary>The user stopped or muted the session.</summary>
    AbortedByUser,

    /// <summary>The workflow did not recognise what was said (a fallback reply was spoken).</summary>
    IntentNotRecognized,

    /// <summary>An engine or device failed.</summary>
    Error,
}
