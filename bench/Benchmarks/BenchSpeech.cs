using System.Globalization;
using VoiceAppliance.Benchmarks.Grammar;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Benchmarks;

/// <summary>Speech and meanings shared by the grammar and endpointing benches.</summary>
internal static class BenchSpeech
{
    /// <summary>16 kHz speech of <paramref name="voice"/> ("piper:SPEAKER" or "espeak:VOICE"), sound under 0.01 of
    /// full scale trimmed at both ends.</summary>
    public static float[] SpeakTrimmed(PiperTts piper, string dir, string voice, string text)
    {
        float[] audio;
        if (voice.StartsWith("piper:", StringComparison.Ordinal))
        {
            var speaker = int.Parse(voice["piper:".Length..], CultureInfo.InvariantCulture);
            audio = AudioResampler.Resample(piper.Synthesize(text, new SynthesisOptions { Speaker = speaker, SentenceSilence = TimeSpan.Zero }), piper.SampleRate, 16000);
        }
        else
        {
            audio = GrammarRejectionBench.Espeak(dir, voice["espeak:".Length..], text)
                ?? throw new InvalidOperationException("espeak-ng or sox is missing: run ./build.sh provision --bench");
        }

        const float Floor = 0.01f;
        var start = Array.FindIndex(audio, s => MathF.Abs(s) > Floor);
        var end = Array.FindLastIndex(audio, s => MathF.Abs(s) > Floor);
        return start < 0 ? audio : audio[start..(end + 1)];
    }

    /// <summary>What <paramref name="text"/> means to the intents ("intent(slot=value,...)", or "none"), so two
    /// transcripts that differ only in wording the intents ignore compare equal.</summary>
    public static string Meaning(IntentRecognizer recognizer, string? text) =>
        text is not null && recognizer.Recognize(text) is { } m
            ? m.Intent + "(" + string.Join(",", m.Slots.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key + "=" + s.Value)) + ")"
            : "none";

    /// <summary>The JSGF grammar and the recogniser of the intents file at <paramref name="intentsPath"/> (by default
    /// the repository's config/intents.json).</summary>
    public static (string Jsgf, IntentRecognizer Recognizer) LoadGrammar(string? intentsPath = null)
    {
        var intents = IntentsFile.Load(intentsPath ?? Path.Combine(BenchTools.Root(), "config", "intents.json"));
        using var workflow = new IntentWorkflow(intents);
        return (workflow.Jsgf, workflow.Recognizer);
    }
}
