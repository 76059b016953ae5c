namespace VoiceAppliance.Pipeline;

/// <summary>How the listening part of a turn ended.</summary>
public enum UtteranceEnd
{
    /// <summary>The turn did not listen (a "say" turn), or it was cut short before listening ended.</summary>
    None,

    /// <summary>Silence after speech reached the silence-to-end time.</summary>
    Silence,

    /// <summary>The push-to-talk button was released (or tapped again).</summary>
    Released,

    /// <summary>The utterance hit the max-utterance hard cap.</summary>
    MaxUtterance,

    /// <summary>No speech before the no-speech timeout.</summary>
    NoSpeech,

    /// <summary>The audio source ended.</summary>
    SourceEnded,

    /// <summary>
    /// Early endpoint: the transcript taken in a pause is an accepted, confident, complete command that the grammar
    /// cannot continue, so the turn ended before the silence window (<see cref="EarlyEndpointOptions"/>).
    /// </summary>
    EarlyEndpoint,

    /// <summary>The realtime server's turn detection (<c>server_vad</c>, <c>semantic_vad</c>) ended the user's turn.</summary>
    Server,
}
