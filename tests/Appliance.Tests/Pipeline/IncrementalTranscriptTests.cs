using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Models.Whisper;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Pipeline;

/// <summary>
/// Whisper incremental speculation (<see cref="IncrementalTranscript"/>) on the real whisper.cpp binding with a
/// generated random-weight model (no real weights exist here: its text is meaningless but deterministic), so what is
/// asserted is the mechanism: which audio each decode gets, with which prompt, and what cancels it.
/// </summary>
public sealed class IncrementalTranscriptTests : IDisposable
{
    private const int Rate = 16000;
    private static readonly SpeculationOptions s_options = new() { Incremental = IncrementalSpeculationMode.On, CommitAfter = TimeSpan.FromSeconds(2), Overlap = TimeSpan.FromMilliseconds(500) };
    private readonly string _dir = TestPaths.NewTempDirectory("incremental");
    private readonly WhisperModel _model;
    private readonly float[] _audio = Signal(5 * Rate);

    public IncrementalTranscriptTests()
    {
        var path = Path.Combine(_dir, "ggml-random-small.bin");
        GgmlWhisperModelWriter.Write(path, GgmlWhisperModelWriter.SmallEnglish, seed: 3);
        _model = WhisperModel.Load(path);
    }

    public void Dispose()
    {
        _model.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_window_is_committed_once_enough_speech_came_and_the_tail_starts_an_overlap_before_its_end()
    {
        var stt = Counting();
        using var turn = new CancellationTokenSource();
        using var incremental = new IncrementalTranscript(stt, s_options, 1, NullLogger.Instance, "s", turn.Token);

        // Windows of 512 samples, no pause: nothing is due before 2 s of audio, then one window from 0 to there is decoded.
        var length = Feed(incremental, 0, (2 * Rate) - 512, pauseMiddle: -1);
        Assert.Empty(stt.Calls);
        length = Feed(incremental, length, (3 * Rate) + 512, pauseMiddle: -1);
        await WaitIdle(incremental);
        var window = Assert.Single(stt.Calls);
        Assert.True(window.Background);
        Assert.True(window.Completed);
        Assert.Equal(string.Empty, window.Prompt);
        const int Due = 63 * 512; // the first window length at or past 2 s
        Assert.Equal(Due, window.Samples);
        Assert.Equal(1, incremental.Decodes);
        Assert.Equal(Due - (Rate / 2), incremental.TailStart); // cut where the speech was: the next piece starts 0.5 s earlier

        // The endpoint: only the tail is decoded, with the committed text as the prompt, on all the engine's threads.
        var result = await incremental.TranscribeTailAsync(_audio.AsMemory(0, length), CancellationToken.None);
        var tail = stt.Calls[^1];
        Assert.Equal(2, stt.Calls.Count);
        Assert.False(tail.Background);
        Assert.Equal(length - incremental.TailStart, tail.Samples);
        Assert.Equal(tail.Samples, result.TailSamples);
        Assert.Equal(incremental.CommittedText, tail.Prompt);
        Assert.Equal(1, result.Decodes);
        Assert.StartsWith(incremental.CommittedText, result.Text, StringComparison.Ordinal);
        Assert.Equal(1, stt.MaxConcurrent);
    }

    [Fact]
    public async Task A_vad_pause_inside_the_new_speech_is_the_window_boundary_with_no_overlap()
    {
        var stt = Counting();
        using var turn = new CancellationTokenSource();
        using var incremental = new IncrementalTranscript(stt, s_options, 1, NullLogger.Instance, "s", turn.Token);
        var pause = (int)(1.5 * Rate);

        var length = Feed(incremental, 0, (2 * Rate) + 512, pauseMiddle: pause);
        await WaitIdle(incremental);

        Assert.Equal(pause, Assert.Single(stt.Calls).Samples);
        Assert.Equal(pause, incremental.TailStart);
        var result = await incremental.TranscribeTailAsync(_audio.AsMemory(0, length), CancellationToken.None);
        Assert.Equal(length - pause, stt.Calls[^1].Samples);
        Assert.Equal(length - pause, result.TailSamples);
    }

    [Fact]
    public async Task The_endpoint_during_a_background_decode_cancels_it_and_decodes_from_the_last_commit()
    {
        var stt = Counting();
        stt.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var turn = new CancellationTokenSource();
        using var incremental = new IncrementalTranscript(stt, s_options, 1, NullLogger.Instance, "s", turn.Token);

        var length = Feed(incremental, 0, (2 * Rate) + 512, pauseMiddle: -1);
        await stt.BackgroundStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(incremental.Busy);

        var result = await incremental.TranscribeTailAsync(_audio.AsMemory(0, length), CancellationToken.None);

        var (background, tail) = (stt.Calls[0], stt.Calls[1]);
        Assert.True(background.Cancelled);
        Assert.False(background.Completed);
        Assert.Equal(0, result.Decodes);
        Assert.Equal(length, tail.Samples); // nothing was committed: the tail is the whole utterance
        Assert.Equal(string.Empty, tail.Prompt);
        Assert.Equal(1, stt.MaxConcurrent); // the tail waited for the cancelled decode to stop
    }

    [Fact]
    public async Task Cancelling_the_turn_stops_the_decode_in_flight_and_nothing_more_is_started()
    {
        var stt = Counting();
        stt.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var turn = new CancellationTokenSource();
        using var incremental = new IncrementalTranscript(stt, s_options, 1, NullLogger.Instance, "s", turn.Token);

        var length = Feed(incremental, 0, (2 * Rate) + 512, pauseMiddle: -1);
        await stt.BackgroundStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await turn.CancelAsync();
        await WaitIdle(incremental);

        Assert.True(Assert.Single(stt.Calls).Cancelled);
        Assert.Equal(0, incremental.Decodes);
        incremental.Dispose();
        Feed(incremental, length, 5 * Rate, pauseMiddle: -1);
        Assert.Single(stt.Calls);
        Assert.False(incremental.Busy);
    }

    [Fact]
    public void Overlapping_pieces_drop_the_words_heard_twice_and_a_cut_piece_holds_back_its_last_word()
    {
        Assert.Equal("turn on the kitchen light.", TranscriptStitcher.Append("turn on the kitchen", "The kitchen light.", overlapped: true, maxRepeated: 4));
        Assert.Equal("turn on the kitchen the kitchen light.", TranscriptStitcher.Append("turn on the kitchen", "the kitchen light.", overlapped: false, maxRepeated: 4));
        Assert.Equal("a b c d e f", TranscriptStitcher.Append("a b c d", "b c d e f", overlapped: true, maxRepeated: 3));
        Assert.Equal("a b c d a b c d e", TranscriptStitcher.Append("a b c d", "a b c d e", overlapped: true, maxRepeated: 3)); // more than allowed: kept
        Assert.Equal("hello", TranscriptStitcher.Append(string.Empty, " hello ", overlapped: true, maxRepeated: 3));
        Assert.Equal("set the", TranscriptStitcher.DropLastWord("set the vol"));
        Assert.Equal(string.Empty, TranscriptStitcher.DropLastWord("set"));
    }

    [Fact]
    public void Speculation_options_out_of_range_are_named_with_what_is_allowed()
    {
        var bad = new PipelineOptions { Speculation = new SpeculationOptions { CommitAfter = TimeSpan.FromSeconds(2), Overlap = TimeSpan.FromSeconds(2), BackgroundThreads = -1 } };
        var ex = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Contains("Pipeline:Speculation:Overlap (2 s) must be shorter than CommitAfter", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Speculation:BackgroundThreads is -1", ex.Message, StringComparison.Ordinal);
        Assert.True(new SpeculationOptions().IncrementalOn(4));
        Assert.False(new SpeculationOptions().IncrementalOn(2));
        Assert.False(new SpeculationOptions { Incremental = IncrementalSpeculationMode.Off }.IncrementalOn(8));
        Assert.Equal(3, new SpeculationOptions().ThreadsFor(4));
        Assert.Equal(1, new SpeculationOptions().ThreadsFor(1));
    }

    private CountingIncrementalStt Counting() =>
        new(new WhisperSpeechToText(_model, new WhisperOptions { Threads = 2, BestOf = 1, TemperatureIncrement = 0 }));

    /// <summary>Offers windows of 512 samples until the utterance is <paramref name="to"/> samples long; returns the length.</summary>
    private int Feed(IncrementalTranscript incremental, int from, int to, int pauseMiddle)
    {
        var length = from;
        while (length + 512 <= to)
        {
            length += 512;
            incremental.OnSpeechLocked(_audio, length, pauseMiddle);
        }

        return length;
    }

    private static async Task WaitIdle(IncrementalTranscript incremental)
    {
        for (var i = 0; i < 600 && incremental.Busy; i++)
        {
            await Task.Delay(50);
        }

        Assert.False(incremental.Busy, "the background decode should have ended");
    }

    /// <summary>A voiced-like signal (harmonics with a slow envelope); whisper's random weights read anything.</summary>
    private static float[] Signal(int n)
    {
        var a = new float[n];
        for (var i = 0; i < n; i++)
        {
            var t = i / (double)Rate;
            a[i] = (float)(0.2 * Math.Sin(2 * Math.PI * 3 * t) * ((0.5 * Math.Sin(2 * Math.PI * 140 * t)) + (0.3 * Math.Sin(2 * Math.PI * 280 * t)) + (0.2 * Math.Sin(2 * Math.PI * 420 * t))));
        }

        return a;
    }
}
