using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Vad;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Models.Tests.Vad;

public sealed class SpeechDetectorTests
{
    [RequiresFileFact("samples/jfk.wav", "a real speech clip")]
    public void Chunks_of_any_size_give_the_same_boundaries_as_whole_windows_without_allocating()
    {
        var (audio, _) = TestAudio.ReadWav(TestPaths.Model("samples/jfk.wav"));
        using var vad = SileroVad.Open(TestPaths.Model("silero_vad_v5.onnx"));
        var expected = SpeechSegmenter.Segment(vad, audio);

        var detector = new SpeechDetector(vad);
        var boundaries = new List<SpeechBoundary>(64);
        var sizes = new[] { 1, 160, 333, 512, 1024, 4000 };

        // A first pass with the same chunking warms every path (the JIT's tiering and on-stack replacement allocate on
        // the thread that runs a method the first times, more so on a loaded machine); the second pass is measured.
        detector.Reset();
        for (int i = 0, at = 0; at < audio.Length; i++)
        {
            var size = Math.Min(sizes[i % sizes.Length], audio.Length - at);
            detector.Process(audio.AsSpan(at, size), boundaries);
            at += size;
        }

        detector.Flush(boundaries);
        boundaries.Clear();
        detector.Reset();
        detector.Process(audio.AsSpan(0, 1000), boundaries);
        var offset = 1000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; offset < audio.Length; i++)
        {
            var size = Math.Min(sizes[i % sizes.Length], audio.Length - offset);
            detector.Process(audio.AsSpan(offset, size), boundaries);
            offset += size;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        detector.Flush(boundaries);
        Assert.Equal(0, allocated);

        // Whole windows only: the segmenter sees the same windows (the partial last one is zero-padded by Segment).
        var segments = boundaries.Chunk(2).Select(p => new SpeechSegment(p[0].Sample, p[1].Sample)).ToList();
        Assert.Equal(expected.Count, segments.Count);
        for (var i = 0; i < segments.Count; i++)
        {
            Assert.Equal(expected[i].Start, segments[i].Start);
            Assert.InRange(segments[i].End, expected[i].End - 512, expected[i].End);
        }
    }

    [RequiresFileFact("samples/jfk.wav", "a real speech clip")]
    public void Eight_kHz_audio_uses_256_sample_windows_and_finds_the_same_speech()
    {
        var (audio, _) = TestAudio.ReadWav(TestPaths.Model("samples/jfk.wav"));
        var audio8k = AudioResampler.Resample(audio, 16000, 8000);
        using var model = SileroVadModel.Load(TestPaths.Model("silero_vad_v5.onnx"));
        using var vad8k = model.CreateStream(8000);
        using var vad16k = model.CreateStream(16000);
        Assert.Equal(256, vad8k.WindowSamples);
        var at8k = SpeechSegmenter.Segment(vad8k, audio8k);
        var at16k = SpeechSegmenter.Segment(vad16k, audio);
        Assert.NotEmpty(at8k);
        var speech8k = at8k.Sum(s => s.Length) * 2.0;
        var speech16k = at16k.Sum(s => s.Length);
        Assert.InRange(speech8k, speech16k * 0.85, speech16k * 1.15);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateStream(44100));
    }
}
