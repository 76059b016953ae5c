using System.Collections.Concurrent;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models.Piper;

/// <summary>
/// Spoken test utterances for any area's tests and tools: Piper synthesis resampled to 16 kHz mono float, the
/// format the VAD and the STT engines take. Deterministic by default (noise scales 0), so the same text gives the
/// same samples.
/// </summary>
public static class SpeechSamples
{
    /// <summary>The voice the checkout provisions (eng/provision.sh): models/piper/en_US-libritts_r-medium.</summary>
    public const string DefaultVoice = "piper/en_US-libritts_r-medium";

    private static readonly ConcurrentDictionary<string, Lazy<PiperTts>> s_voices = new(StringComparer.Ordinal);

    /// <summary>
    /// Speaks <paramref name="text"/> with the voice at <paramref name="voicePath"/> (default: the provisioned voice
    /// found in the checkout's models/ folder) and returns 16 kHz mono samples in [-1, 1]. Voices are loaded once per
    /// process. Sentence silence defaults to 0 so callers place their own pauses.
    /// </summary>
    public static float[] Synthesize16kHz(string text, string? voicePath = null, SynthesisOptions? options = null)
    {
        var tts = Voice(voicePath);
        var audio = tts.Synthesize(text, options ?? new SynthesisOptions { SentenceSilence = TimeSpan.Zero });
        return AudioResampler.Resample(audio, tts.SampleRate, 16000);
    }

    /// <summary>
    /// 16 kHz <paramref name="speech"/> framed like a VAD segment, as the grammar benches decode it: 0.3 s before, 0.6 s
    /// after, and faint noise (±0.001) throughout from a <see cref="Random"/> seeded with <paramref name="seed"/>.
    /// </summary>
    public static float[] FramedLikeVadSegment(ReadOnlySpan<float> speech, int seed)
    {
        var random = new Random(seed);
        var audio = new float[(int)(0.3 * 16000) + speech.Length + (int)(0.6 * 16000)];
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] = (float)((random.NextDouble() - 0.5) * 0.002);
        }

        for (var i = 0; i < speech.Length; i++)
        {
            audio[(int)(0.3 * 16000) + i] += speech[i];
        }

        return audio;
    }

    /// <summary>The shared deterministic <see cref="PiperTts"/> for <paramref name="voicePath"/> (null: the provisioned voice).</summary>
    public static PiperTts Voice(string? voicePath = null)
    {
        var path = voicePath ?? DefaultVoicePath();
        return s_voices.GetOrAdd(
            path,
            p => new Lazy<PiperTts>(() => PiperTts.Open(p, defaults: new PiperTtsOptions { NoiseScale = 0f, NoiseW = 0f }))).Value;
    }

    /// <summary>Absolute path of the provisioned default voice, from the checkout's models/ folder.</summary>
    /// <exception cref="DirectoryNotFoundException">Not in a provisioned checkout.</exception>
    public static string DefaultVoicePath()
    {
        var models = NativeLibraryLoader.FindCheckoutDirectory("models");
        var path = models is null ? null : Path.Combine(models, DefaultVoice);
        return path is not null && Directory.Exists(path)
            ? path
            : throw new DirectoryNotFoundException($"the Piper voice models/{DefaultVoice} is not provisioned. Fix: run eng/provision.sh in the checkout.");
    }
}
