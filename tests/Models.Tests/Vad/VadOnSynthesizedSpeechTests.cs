using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Vad;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Vad;

/// <summary>Segment boundaries against truth: Piper sentences joined by known silences.</summary>
public sealed class VadOnSynthesizedSpeechTests(ITestOutputHelper output)
{
    [RequiresFileFact("piper/en_US-libritts_r-medium/model.onnx", "the provisioned Piper voice makes the utterances")]
    public void Segments_of_sentences_joined_by_known_silences_land_within_100_ms_of_the_truth()
    {
        string[] sentences = ["Turn on the kitchen light.", "What is the weather like tomorrow morning?", "Stop the music."];
        int[] gaps = [16000, 12000, 9600, 16000]; // before, between (750 ms, 600 ms) and after
        var audio = new List<float>();
        var truth = new List<(long Start, long End)>();
        var noise = TestAudio.WhiteNoise(16000 * 20, 0.0005f, seed: 3);
        for (var i = 0; i < sentences.Length; i++)
        {
            audio.AddRange(new float[gaps[i]]);
            var speech = SpeechSamples.Synthesize16kHz(sentences[i], TestPaths.Model(SpeechSamples.DefaultVoice));

            // The truth: first and last 10 ms block within 40 dB of the sentence's peak block.
            var rms = TestAudio.BlockRms(speech, 160);
            var floor = rms.Max() * 0.01f;
            var first = Array.FindIndex(rms, r => r >= floor) * 160;
            var last = (Array.FindLastIndex(rms, r => r >= floor) + 1) * 160;
            truth.Add((audio.Count + first, audio.Count + last));
            audio.AddRange(speech);
        }

        audio.AddRange(new float[gaps[^1]]);
        var samples = audio.ToArray();
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] += noise[i % noise.Length];
        }

        using var vad = SileroVad.Open(TestPaths.Model("silero_vad_v5.onnx"));
        var segments = SpeechSegmenter.Segment(vad, samples);
        output.WriteLine("truth: " + string.Join(", ", truth.Select(t => $"{t.Start / 16.0:F0}-{t.End / 16.0:F0} ms")));
        output.WriteLine("found: " + string.Join(", ", segments.Select(s => $"{s.Start / 16.0:F0}-{s.End / 16.0:F0} ms")));
        Assert.Equal(truth.Count, segments.Count);
        for (var i = 0; i < truth.Count; i++)
        {
            Assert.InRange(segments[i].Start, truth[i].Start - 1600, truth[i].Start + 1600);
            Assert.InRange(segments[i].End, truth[i].End - 1600, truth[i].End + 1600);
        }
    }
}
