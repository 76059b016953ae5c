using System.Diagnostics;
using VoiceAppliance.Models.Piper;
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
    /// score peaks between two 80 ms frames, so the 80 ms hop misses it at 0.40 (session 6's default) and the fine hop hears it
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
            var options = new WakeWordOptions { Enabled = true, FineHop = fineHop, ResetFromRoom = false };
            using var detector = new WakeWordDetector(features, [new WakeWordTarget(jarvis, 0.40f)], options.Refractory, options.FineHopPreThreshold);
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

    /// <summary>
    /// With <see cref="WakeWordOptions.ResetFromRoom"/> the reset after a gap forgets the newest 2.16 s of idle audio
    /// (the guard) and replays what is left: as much as there is of it, up to 27 frames; windows heard while the device
    /// speaks are not the room; without the option the reset is the synthetic one.
    /// </summary>
    [RequiresFileFact("openwakeword/hey_jarvis_v0.1.onnx", "openWakeWord's real weights")]
    public void A_reset_after_a_gap_replays_the_idle_audio_heard_before_the_guard()
    {
        using var features = WakeWordFeatureModels.LoadFromDirectory(TestPaths.Model("openwakeword"));
        using var jarvis = WakeWordModel.Load(TestPaths.Model("openwakeword/hey_jarvis_v0.1.onnx"));
        var room = Noise(16000 * 11, 0.003f, seed: 4);
        foreach (var fromRoom in new[] { true, false })
        {
            var options = new WakeWordOptions { Enabled = true, ResetFromRoom = fromRoom };
            using var detector = new WakeWordDetector(features, [WakeWordTarget.For(jarvis)], options.Refractory);
            var ring = new AudioRing(16000 * 3);
            var spotter = new WakeWordSpotter(detector, options, 0.5f, 16000, ring);
            Assert.Equal(34560, spotter.RoomGuardSamples);

            // 3 s idle: 0.84 s of it lies before the guard (10 whole frames); then a window while the device speaks.
            Feed(spotter, ring, room.AsSpan(0, 48000), idle: true);
            Feed(spotter, ring, room.AsSpan(48000, 16000), idle: false);
            spotter.MarkGap();
            Feed(spotter, ring, room.AsSpan(64000, 512), idle: true);
            Assert.Equal(fromRoom ? 10 : 0, detector.RoomFrames);

            // 2 s more: the 0.84 s left and the 2 s, less the next guard: 8 frames.
            Feed(spotter, ring, room.AsSpan(64512, 16000 * 2), idle: true);
            spotter.MarkGap();
            Feed(spotter, ring, room.AsSpan(64512 + 32000, 512), idle: true);
            Assert.Equal(fromRoom ? 8 : 0, detector.RoomFrames);

            // Enough idle audio for the whole history.
            Feed(spotter, ring, room.AsSpan(16000 * 6, 16000 * 4), idle: true);
            spotter.MarkGap();
            Feed(spotter, ring, room.AsSpan(16000 * 10, 512), idle: true);
            Assert.Equal(fromRoom ? 27 : 0, detector.RoomFrames);
        }
    }

    /// <summary>
    /// A session started by the wake word, then a noisy room: the reset after the session does not replay the word
    /// (it lies in the guard, forgotten at the first reset), so the word does not fire again after any later session,
    /// and the room's noise does not fire either at a low threshold of 0.2 (the Models tests compare the room's history
    /// with the synthetic one on noise).
    /// </summary>
    [RequiresFileFact("openwakeword/hey_jarvis_v0.1.onnx", "openWakeWord's real weights")]
    public void After_a_wake_word_session_in_a_noisy_room_neither_the_word_nor_the_noise_fires_again()
    {
        using var features = WakeWordFeatureModels.LoadFromDirectory(TestPaths.Model("openwakeword"));
        using var jarvis = WakeWordModel.Load(TestPaths.Model("openwakeword/hey_jarvis_v0.1.onnx"));
        var options = new WakeWordOptions { Enabled = true };
        using var detector = new WakeWordDetector(features, [WakeWordTarget.For(jarvis, 0.2f)], options.Refractory);
        var ring = new AudioRing(16000 * 3);
        var spotter = new WakeWordSpotter(detector, options, 0.5f, 16000, ring);
        var word = SpeechSamples.Synthesize16kHz("Hey Jarvis.");
        var noise = Noise(16000 * 16, 0.01f, seed: 5);
        var before = noise.AsSpan(0, 16000 * 4);
        var heard = new float[word.Length + 8000];
        word.CopyTo(heard, 0);
        for (var i = 0; i < heard.Length; i++)
        {
            heard[i] += noise[(16000 * 4) + i];
        }

        Assert.Empty(Feed(spotter, ring, before, idle: true));
        var hits = Feed(spotter, ring, heard, idle: true);
        Assert.NotEmpty(hits);

        // The session: the spotter hears nothing, then the room again, several times (each session a fresh reset).
        for (var session = 0; session < 3; session++)
        {
            spotter.MarkGap();
            var after = noise.AsSpan((16000 * 6) + (session * 16000 * 3), 16000 * 3);
            var again = Feed(spotter, ring, after, idle: true);
            Assert.True(again.Count == 0, $"after session {session}: fired again at " + string.Join(", ", again.Select(h => $"{h.Score:F3}")));
            Assert.Equal(27, detector.RoomFrames);
        }
    }

    private static List<WakeWordDetection> Feed(WakeWordSpotter spotter, AudioRing ring, ReadOnlySpan<float> audio, bool idle)
    {
        var hits = new List<WakeWordDetection>();
        for (var i = 0; i + 512 <= audio.Length; i += 512)
        {
            var window = audio.Slice(i, 512);
            ring.Write(window);
            if (spotter.Process(window, null, idle) is { } hit)
            {
                hits.Add(hit);
            }
        }

        return hits;
    }

    private static float[] Noise(int samples, float rms, int seed)
    {
        var random = new Random(seed);
        var noise = new float[samples];
        for (var i = 0; i < samples; i++)
        {
            noise[i] = (float)(((random.NextDouble() * 2) - 1) * rms * Math.Sqrt(3.0));
        }

        return noise;
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
