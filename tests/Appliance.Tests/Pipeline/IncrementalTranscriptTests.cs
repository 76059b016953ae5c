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
        // A cancelled decode ends at ggml's next abort check, on its own thread: free the model after it.
        SpinWait.SpinUntil(() => _model.ActiveRuns == 0, TimeSpan.FromSeconds(60));
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
    public async Task A_guess_in_a_pause_waits_for_the_window_in_flight_and_decodes_only_what_follows_it()
    {
        var stt = Counting();
        stt.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var turn = new CancellationTokenSource();
        using var incremental = new IncrementalTranscript(stt, s_options, 1, NullLogger.Instance, "s", turn.Token);

        var length = Feed(incremental, 0, (2 * Rate) + 512, pauseMiddle: -1);
        await stt.BackgroundStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        length = Feed(incremental, length, (3 * Rate) + 512, pauseMiddle: -1); // more speech while it decodes: nothing new starts
        var guess = incremental.TranscribeTailAsync(_audio.AsMemory(0, length), CancellationToken.None, cancelInFlight: false);
        Assert.False(guess.IsCompleted);
        Assert.Single(stt.Calls);

        stt.Hold.SetResult();
        var result = await guess.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, stt.Calls.Count);
        Assert.True(stt.Calls[0].Completed);
        Assert.Equal(1, result.Decodes);
        Assert.Equal(length - incremental.TailStart, stt.Calls[1].Samples);
        Assert.Equal(incremental.CommittedText, stt.Calls[1].Prompt);
        Assert.Equal(1, stt.MaxConcurrent);
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

    [RequiresFileFact("ggml-tiny.en.bin", "real Whisper tiny.en weights are not obtainable on the build machines")]
    public async Task With_real_weights_the_stitched_transcript_has_the_words_of_the_whole_utterance_once()
    {
        // jfk.wav (11 s) offered window by window with no pause information: every window is cut where the speech is,
        // so the stitching relies on the overlap and the dropped repeats.
        using var model = WhisperModel.Load(TestPaths.Model("ggml-tiny.en.bin"));
        var whisper = new WhisperSpeechToText(model);
        var audio = VoiceAppliance.Audio.Alsa.WavFile.Read(TestPaths.Model("samples/jfk.wav")).Samples;
        var stt = new CountingIncrementalStt(whisper);
        using var turn = new CancellationTokenSource();
        using var incremental = new IncrementalTranscript(stt, s_options with { CommitAfter = TimeSpan.FromSeconds(3) }, 2, NullLogger.Instance, "s", turn.Token);
        var length = 0;
        while (length + 512 <= audio.Length)
        {
            length += 512;
            incremental.OnSpeechLocked(audio, length, -1);
            await WaitIdle(incremental); // as if each decode were quick: the windows are the mechanism's, not the machine's
        }

        var result = await incremental.TranscribeTailAsync(audio.AsMemory(0, length), CancellationToken.None);
        var words = Normal(result.Text);
        Assert.True(result.Decodes >= 2, $"{result.Decodes} windows");
        var expected = Normal("And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.");
        var distance = WordEdits(expected.Split(' '), words.Split(' '));
        Assert.True(distance <= 2, $"'{words}' is {distance} word edits from the speech (a duplicated or dropped boundary word shows here)");
    }

    private static int WordEdits(string[] a, string[] b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }

    private static string Normal(string text) =>
        string.Join(' ', text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => new string([.. w.Where(char.IsLetterOrDigit)])).Where(w => w.Length > 0));

    [Fact]
    public async Task With_incremental_speculation_on_the_audio_loop_still_allocates_nothing_per_window()
    {
        var stt = Counting();
        stt.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new PipelineOptions { Speculation = s_options with { CommitAfter = TimeSpan.FromSeconds(10) } };
        using var pipeline = new VoicePipeline(new PipelineEngines(new ScriptedCapture(), new RecordingPlayback(), new ScriptedVad(), stt, new ToneTts(), DelegateWorkflow.Reply("x")), options);
        var silence = new float[TestAudio.Window];
        var speech = TestAudio.Speech(0.032);
        pipeline.PressToTalk();
        for (var i = 0; i < 21; i++)
        {
            pipeline.ProcessWindow(speech); // speech confirmed; the turn's incremental transcript is made on its first window
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            pipeline.ProcessWindow(i % 2 == 0 ? speech : silence); // pauses inside the speech move the boundary
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Empty(stt.Calls);

        // The path was live: at 10 s of speech a window is decoded in the background (held here), then the stop cancels it.
        for (var i = 0; i < 110 && stt.Calls.Count == 0; i++)
        {
            pipeline.ProcessWindow(speech);
        }

        await stt.BackgroundStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(Assert.Single(stt.Calls).Background);
        pipeline.Stop();
        for (var i = 0; i < 600 && !stt.Calls[0].Cancelled; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(stt.Calls[0].Cancelled);
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
