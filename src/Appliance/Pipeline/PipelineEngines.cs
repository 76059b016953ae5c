using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Pipeline;

/// <summary>The engines and devices a <see cref="VoicePipeline"/> joins.</summary>
/// <param name="Capture">The microphone (16 kHz mono).</param>
/// <param name="Playback">The speaker.</param>
/// <param name="Vad">Voice activity detection at the capture's rate.</param>
/// <param name="Stt">Speech to text.</param>
/// <param name="Tts">Text to speech.</param>
/// <param name="Workflow">What to do with transcripts.</param>
public sealed record PipelineEngines(IAudioCapture Capture, IAudioPlayback Playback, IVoiceActivityDetector Vad, ISpeechToText Stt, ITextToSpeech Tts, IVoiceWorkflow Workflow)
{
    /// <summary>
    /// The wake word chain over the capture (16 kHz), its words in the order of <c>Pipeline:WakeWord:Words</c>; null
    /// without wake words. Used only by the pipeline's audio thread; the owner disposes it.
    /// </summary>
    public Models.WakeWord.WakeWordDetector? WakeWord { get; init; }

    /// <summary>
    /// A speech-to-speech provider that answers listened turns instead of STT -> workflow -> TTS (<c>Cloud:Realtime</c>),
    /// with those as its fallback; null: none. The owner disposes it.
    /// </summary>
    public IRealtimeSpeech? Realtime { get; init; }
}
