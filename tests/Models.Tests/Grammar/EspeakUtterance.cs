using System.Globalization;
using VoiceAppliance.Models.Tests.Whisper;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Models.Tests.Grammar;

/// <summary>
/// espeak-ng speech for the grammar tests, framed like a VAD segment: 0.3 s of faint seeded noise before the speech
/// and 0.6 s after. espeak-ng is deterministic and sox runs with <c>-D</c> (no dither), so the same call gives the same
/// samples every run and a test's scores land on the same side of a threshold.
/// </summary>
internal static class EspeakUtterance
{
    /// <summary>Speaks <paramref name="text"/> (SSML when <paramref name="ssml"/>) in <paramref name="voice"/>, working in <paramref name="dir"/>.</summary>
    public static float[] Speak(string dir, string text, string voice, int wordsPerMinute, int noiseSeed, bool ssml = false)
    {
        var raw = Path.Combine(dir, "raw.wav");
        var wav = Path.Combine(dir, "cmd.wav");
        string[] voiceArgs = ["-v", voice, "-s", wordsPerMinute.ToString(CultureInfo.InvariantCulture), "-w", raw];
        ExternalTool.Run("espeak-ng", ssml ? ["-m", .. voiceArgs, "<speak>" + text + "</speak>"] : [.. voiceArgs, text]);
        ExternalTool.Run("sox", ["-D", raw, "-r", "16000", "-c", "1", "-b", "16", wav]); // -D: no dither, the same file every run
        var speech = TestAudio.ReadWav16kMono(wav);
        var random = new Random(noiseSeed);
        var audio = new float[4800 + speech.Length + 9600];
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] = (float)((random.NextDouble() - 0.5) * 0.002);
        }

        for (var i = 0; i < speech.Length; i++)
        {
            audio[4800 + i] += speech[i];
        }

        return audio;
    }
}
