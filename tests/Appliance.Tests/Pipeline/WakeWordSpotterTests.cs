using System.Diagnostics;
using VoiceAppliance.Models.WakeWord;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Pipeline;

/// <summary>The front end's wake word listener with openWakeWord's real weights on espeak-ng speech (deterministic).</summary>
public sealed class WakeWordSpotterTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("wake-spotter");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// espeak-ng en-gb-x-gbcwmd, "Hey Jarvis, what time is it?", starting 1.04 s into a -66 dBFS noise floor: its
    /// score peaks between two 80 ms frames, so the 80 ms hop misses it at the default rule and the fine hop hears it
    /// 40 ms before a frame's end (the Models test's offsets show it). The spotter's detection position, where the
    /// session's word tail starts, is that point of the stream, not the frame's end.
    /// </summary>
    [RequiresProgramFact("espeak-ng")]
    public void A_fine_hop_detection_is_placed_40_ms_before_its_frame_s_end()
    {
        using var features = WakeWordFeatureModels.LoadFromDirectory(TestPaths.Model("openwakeword"));
        using var jarvis = WakeWordModel.Load(TestPaths.Model("openwakeword/hey_jarvis_v0.1.onnx"));
        var audio = Speech();

        var positions = new List<(long Position, long EndSample)>();
        foreach (var fineHop in new[] { false, true })
        {
            var options = new WakeWordOptions { Enabled = true, FineHop = fineHop };
            using var detector = new WakeWordDetector(features, [WakeWordTarget.For(jarvis)], options.Refractory, options.FineHopPreThreshold);
            var ring = new AudioRing(16000 * 3);
            var spotter = new WakeWordSpotter(detector, options, 0.5f, 16000, ring);
            for (var i = 0; i + 512 <= audio.Length; i += 512)
            {
                var window = audio.AsSpan(i, 512);
                ring.Write(window);
                if (spotter.Process(window, null) is { } hit)
                {
                    Assert.True(fineHop, $"the 80 ms hop heard the word at {hit.EndSample} (score {hit.Score}); this clip no longer tests the fine hop");
                    positions.Add((spotter.DetectionPosition, hit.EndSample));
                }
            }
        }

        // The spotter fed the detector from the stream's first sample on: both count samples from there.
        var (position, end) = Assert.Single(positions);
        Assert.Equal(640, end % 1280);
        Assert.Equal(end, position);
    }

    private float[] Speech()
    {
        var raw = Path.Combine(_dir, "raw.wav");
        var pcm = Path.Combine(_dir, "speech.raw");
        ExternalTool.Run("espeak-ng", ["-v", "en-gb-x-gbcwmd", "-s", "150", "-w", raw, "Hey Jarvis, what time is it?"]);
        ExternalTool.Run("sox", ["-D", raw, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", pcm, "vol", "0.8"]);
        var bytes = File.ReadAllBytes(pcm);
        const int Lead = 16000 + 640;
        var audio = new float[Lead + (bytes.Length / 2) + 16000];
        for (var i = 0; i < bytes.Length / 2; i++)
        {
            audio[Lead + i] = BitConverter.ToInt16(bytes, 2 * i) / 32768f;
        }

        // The same floor as the Models test (its TestAudio.WhiteNoise: rms 0.0005, seed 3).
        var random = new Random(3);
        for (var i = 0; i < audio.Length; i++)
        {
            var sum = 0.0;
            for (var k = 0; k < 4; k++)
            {
                sum += random.NextDouble() - 0.5;
            }

            audio[i] += (float)(sum * 0.0005f * Math.Sqrt(3.0));
        }

        return audio;
    }
}
