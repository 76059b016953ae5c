namespace VoiceAppliance.Pipeline;

/// <summary>What the endpointer decided after a window.</summary>
public enum EndpointDecision
{
    /// <summary>Keep listening.</summary>
    Continue,

    /// <summary>Speech was confirmed (it lasted the minimum speech time) with this window.</summary>
    SpeechStarted,

    /// <summary>Silence after speech reached the silence-to-end time: the utterance is complete.</summary>
    EndOfSpeech,

    /// <summary>The utterance reached the max-utterance cap.</summary>
    MaxUtterance,

    /// <summary>No speech within the no-speech timeout.</summary>
    NoSpeech,
}
