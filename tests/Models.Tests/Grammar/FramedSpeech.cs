using VoiceAppliance.Models.Piper;

namespace VoiceAppliance.Models.Tests.Grammar;

/// <summary>Piper speech framed like a VAD segment, as the grammar bench frames it.</summary>
internal static class FramedSpeech
{
    /// <summary>
    /// <paramref name="text"/> by Piper <paramref name="speaker"/> at 16 kHz, with 0.3 s before and 0.6 s after and faint
    /// noise throughout (<see cref="SpeechSamples.FramedLikeVadSegment"/>, seeded by the speaker).
    /// </summary>
    public static float[] Piper(PiperTts piper, string text, int speaker)
    {
        var speech = AudioResampler.Resample(piper.Synthesize(text, new SynthesisOptions { Speaker = speaker, SentenceSilence = TimeSpan.Zero }), piper.SampleRate, 16000);
        return SpeechSamples.FramedLikeVadSegment(speech, speaker);
    }
}
