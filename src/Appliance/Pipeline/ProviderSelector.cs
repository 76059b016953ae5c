using VoiceAppliance.Models;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Where a turn's engines are chosen. Today each kind has one configured engine. Seam for cloud providers: keep an
/// ordered chain per kind (cloud first, the local engine last) and return the first that is healthy; a turn that
/// fails or times out on one marks it unhealthy and the next turn falls back to the local engine (the turn itself
/// ends with error, as today).
/// </summary>
internal sealed class ProviderSelector(PipelineEngines engines)
{
    /// <summary>The speech-to-text engine for the next turn.</summary>
    public ISpeechToText SpeechToText() => engines.Stt;

    /// <summary>The text-to-speech engine for the next reply.</summary>
    public ITextToSpeech TextToSpeech() => engines.Tts;
}
