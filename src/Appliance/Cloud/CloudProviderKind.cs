namespace VoiceAppliance.Cloud;

/// <summary>What a cloud provider does.</summary>
public enum CloudProviderKind
{
    /// <summary>Chat completions with tools (<c>POST {base}/chat/completions</c>, streamed).</summary>
    Llm,

    /// <summary>Speech to text (<c>POST {base}/audio/transcriptions</c>).</summary>
    Stt,

    /// <summary>Text to speech (<c>POST {base}/audio/speech</c>).</summary>
    Tts,
}
