using VoiceAppliance.Models.Vad;

namespace VoiceAppliance.Models.Tests.Vad;

/// <summary>The segmentation rules on scripted probabilities (32 ms windows of 512 samples at 16 kHz).</summary>
public sealed class SpeechSegmenterTests
{
    private const int W = 512;

    private static List<SpeechBoundary> Run(SpeechSegmenterOptions options, params (float P, int Windows)[] script)
    {
        var segmenter = new SpeechSegmenter(16000, W, options);
        var result = new List<SpeechBoundary>();
        Span<SpeechBoundary> found = stackalloc SpeechBoundary[2];
        long total = 0;
        foreach (var (p, windows) in script)
        {
            for (var i = 0; i < windows; i++)
            {
                var n = segmenter.Push(p, found);
                result.AddRange(found[..n].ToArray());
                total += W;
            }
        }

        result.AddRange(found[..segmenter.Flush(total, found)].ToArray());
        return result;
    }

    [Fact]
    public void Speech_is_reported_with_padding_once_it_lasts_min_speech()
    {
        // 10 windows silence, 20 speech (640 ms), 10 silence.
        var b = Run(SpeechSegmenterOptions.Default, (0.1f, 10), (0.9f, 20), (0.1f, 10));
        Assert.Equal(
            [new(SpeechBoundaryKind.Start, (10 * W) - 480), new(SpeechBoundaryKind.End, (30 * W) + 480)],
            b);
    }

    [Fact]
    public void Speech_shorter_than_min_speech_is_dropped()
    {
        var b = Run(SpeechSegmenterOptions.Default, (0.1f, 10), (0.9f, 7), (0.1f, 20));
        Assert.Empty(b);
    }

    [Fact]
    public void A_pause_shorter_than_min_silence_does_not_end_speech_and_hysteresis_holds_between_thresholds()
    {
        // 2 windows (64 ms) of silence < 100 ms; then 0.4 (between exit 0.35 and threshold 0.5) keeps speech going.
        var b = Run(SpeechSegmenterOptions.Default, (0.9f, 10), (0.1f, 2), (0.9f, 10), (0.4f, 30), (0.1f, 10));
        Assert.Equal(2, b.Count);
        Assert.Equal(new SpeechBoundary(SpeechBoundaryKind.End, (52 * W) + 480), b[1]);
    }

    [Fact]
    public void An_open_segment_ends_at_the_end_of_the_stream()
    {
        var b = Run(SpeechSegmenterOptions.Default, (0.1f, 5), (0.9f, 20));
        Assert.Equal(new SpeechBoundary(SpeechBoundaryKind.End, 25 * W), b[^1]);
        Assert.Equal(SpeechBoundaryKind.Start, b[0].Kind);
    }

    [Fact]
    public void Max_speech_splits_at_the_longest_silence()
    {
        var options = SpeechSegmenterOptions.Default with { MaxSpeech = TimeSpan.FromSeconds(3) };

        // Min silence 300 ms so that pauses of 128 ms (4 windows) and 192 ms (6 windows) stay inside the speech;
        // both are split candidates (>= 98 ms); the split must take the longer one.
        options = options with { MinSilence = TimeSpan.FromMilliseconds(300) };
        var b = Run(options, (0.9f, 20), (0.1f, 4), (0.9f, 20), (0.1f, 6), (0.9f, 60), (0.1f, 20));
        var ends = b.Where(x => x.Kind == SpeechBoundaryKind.End).ToList();
        Assert.True(ends.Count >= 2, string.Join(", ", b));

        // The first split lands in the 6-window silence (windows 44..50), the longest one, plus padding.
        Assert.Equal((44 * W) + 480, ends[0].Sample);
        Assert.Equal(new SpeechBoundary(SpeechBoundaryKind.Start, (50 * W) - 480), b[2]);
    }

    [Fact]
    public void Max_speech_without_any_silence_cuts_hard()
    {
        var options = SpeechSegmenterOptions.Default with { MaxSpeech = TimeSpan.FromSeconds(2) };
        var b = Run(options, (0.9f, 200));
        Assert.True(b.Count(x => x.Kind == SpeechBoundaryKind.Start) >= 3, string.Join(", ", b));
        foreach (var (start, end) in b.Chunk(2).Select(p => (p[0].Sample, p[1].Sample)))
        {
            Assert.True(end - start <= 2 * 16000, $"{start}-{end} is longer than max speech");
        }
    }

    [Fact]
    public void Bad_options_are_rejected_with_the_value_and_the_fix()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SpeechSegmenter(16000, W, new SpeechSegmenterOptions { Threshold = 1.5f }));
        Assert.Contains("between 0 and 1", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpeechSegmenter(16000, W, new SpeechSegmenterOptions { ExitThreshold = 0.7f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpeechSegmenter(16000, W, new SpeechSegmenterOptions { MaxSpeech = TimeSpan.FromMilliseconds(100) }));
    }
}
