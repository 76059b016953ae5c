using Microsoft.Extensions.Logging;
using VoiceAppliance.Models.Whisper;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Whisper;

/// <summary>Writes one small random-weight ggml Whisper model for the class and loads it once.</summary>
public sealed class GeneratedWhisperModelFixture : IDisposable
{
    public GeneratedWhisperModelFixture()
    {
        Directory = TestPaths.NewTempDirectory("whisper-model");
        ModelPath = Path.Combine(Directory, "ggml-random-small.en.bin");
        GgmlWhisperModelWriter.Write(ModelPath, GgmlWhisperModelWriter.SmallEnglish, seed: 42);
        Logger = new ListLogger();
        Model = WhisperModel.Load(ModelPath, Logger);
    }

    public string Directory { get; }

    public string ModelPath { get; }

    public ListLogger Logger { get; }

    public WhisperModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>An ILogger that keeps every line (thread-safe).</summary>
public sealed class ListLogger : ILogger
{
    private readonly List<(LogLevel Level, string Text)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Text)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add((logLevel, formatter(state, exception)));
        }
    }
}

public sealed class WhisperEngineTests(GeneratedWhisperModelFixture fixture, ITestOutputHelper output) : IClassFixture<GeneratedWhisperModelFixture>
{
    private static readonly WhisperOptions s_fast = new() { TemperatureIncrement = 0, BestOf = 1, Threads = 2 };

    [Fact]
    public void Generated_model_loads_with_its_header_and_whisper_cpp_agrees_on_the_dimensions()
    {
        var h = fixture.Model.HyperParameters;
        Assert.Equal(GgmlWhisperModelWriter.SmallEnglish, h);
        Assert.False(fixture.Model.IsMultilingual);

        // whisper.cpp's loader logs the header it read; Whisper.net exposes no dimension getters.
        var text = string.Join("\n", fixture.Logger.Lines.Select(l => l.Text));
        Assert.Matches(@"n_vocab\s+=\s+51864", text);
        Assert.Matches(@"n_audio_state\s+=\s+64", text);
        Assert.Matches(@"n_text_layer\s+=\s+1", text);
    }

    [Fact]
    public void Whisper_cpp_log_lines_reach_the_logger_instead_of_stderr()
    {
        var lines = fixture.Logger.Lines;
        Assert.Contains(lines, l => l.Text.Contains("n_vocab", StringComparison.Ordinal) && l.Text.Contains("51864", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.StartsWith("whisper.cpp: ", l.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Transcribes_three_seconds_into_segments_inside_the_audio()
    {
        var stt = new WhisperSpeechToText(fixture.Model, s_fast);
        var audio = TestAudio.Synthetic(3.0);
        var segments = new List<TranscriptSegment>();
        await foreach (var segment in stt.TranscribeAsync(audio, CancellationToken.None))
        {
            segments.Add(segment);
        }

        foreach (var s in segments)
        {
            output.WriteLine($"[{s.Start} -> {s.End}] p={s.Confidence:0.000} '{s.Text}'");
        }

        Assert.NotEmpty(segments);
        Assert.All(segments, s =>
        {
            Assert.InRange(s.Start, TimeSpan.Zero, TimeSpan.FromSeconds(3));
            Assert.InRange(s.End, s.Start, TimeSpan.FromSeconds(3));
            Assert.True(float.IsNaN(s.Confidence) || s.Confidence is >= 0f and <= 1f, $"confidence {s.Confidence}");
        });
        Assert.Contains(segments, s => s.Text.Length > 0 && !float.IsNaN(s.Confidence));
    }

    [Fact]
    public async Task Same_audio_and_seed_give_the_same_segments_and_one_model_serves_two_engines()
    {
        var a = new WhisperSpeechToText(fixture.Model, s_fast);
        var b = new WhisperSpeechToText(fixture.Model, s_fast with { SingleSegment = true });
        var audio = TestAudio.Synthetic(2.0, seed: 3);
        var first = await Collect(a, audio);
        var second = await Collect(a, audio);
        var single = await Collect(b, audio);
        Assert.Equal(first.Select(s => s.Text), second.Select(s => s.Text));
        Assert.Single(single);
    }

    [Fact]
    public async Task Cancellation_inside_the_native_run_aborts_it_and_the_run_has_ended_when_the_exception_arrives()
    {
        // Cancelled from whisper.cpp's encoder-begin callback, so the token fires while the native run is
        // inside whisper_full; the abort callback must stop it (a completed run of 29 s yields segments).
        using var cts = new CancellationTokenSource();
        var encoderStarts = 0;
        var stt = new WhisperSpeechToText(fixture.Model, new WhisperOptions { Threads = 2 })
        {
            EncoderStarting = () =>
            {
                Interlocked.Increment(ref encoderStarts);
                cts.Cancel();
            },
        };
        var segments = 0;
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in stt.TranscribeAsync(TestAudio.Synthetic(29.0), cts.Token))
            {
                segments++;
            }
        });

        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.Equal(1, Volatile.Read(ref encoderStarts));
        Assert.Equal(0, segments);

        // The processor is disposed only after whisper_full returned and freed its state.
        Assert.Equal(0, fixture.Model.ActiveRuns);

        // The model is still usable afterwards.
        Assert.NotEmpty(await Collect(new WhisperSpeechToText(fixture.Model, s_fast), TestAudio.Synthetic(1.0)));
        Assert.Equal(0, fixture.Model.ActiveRuns);
    }

    [Fact]
    public async Task A_token_cancelled_before_the_call_throws_without_starting_a_run()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var stt = new WhisperSpeechToText(fixture.Model, s_fast);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in stt.TranscribeAsync(TestAudio.Synthetic(1.0), cts.Token))
            {
            }
        });
        Assert.Equal(0, fixture.Model.ActiveRuns);
    }

    [Fact]
    public async Task A_consumer_that_stops_after_the_first_segment_leaves_no_run_behind()
    {
        var stt = new WhisperSpeechToText(fixture.Model, s_fast);
        await foreach (var _ in stt.TranscribeAsync(TestAudio.Synthetic(3.0), CancellationToken.None))
        {
            break;
        }

        Assert.Equal(0, fixture.Model.ActiveRuns);
    }

    [Fact]
    public async Task Audio_shorter_than_a_tenth_of_a_second_is_rejected_with_the_limit()
    {
        var stt = new WhisperSpeechToText(fixture.Model, s_fast);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Collect(stt, new float[1000]));
        Assert.Contains("too short", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0.1 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audio_longer_than_the_limit_is_rejected_with_the_option_to_raise()
    {
        var stt = new WhisperSpeechToText(fixture.Model, s_fast with { MaxAudio = TimeSpan.FromSeconds(5) });
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Collect(stt, new float[16000 * 6]));
        Assert.Contains("MaxAudio", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_options_are_rejected_with_the_name_and_range()
    {
        var lang = Assert.Throws<ArgumentException>(() => new WhisperSpeechToText(fixture.Model, new WhisperOptions { Language = "klingon" }));
        Assert.Contains("klingon", lang.Message, StringComparison.Ordinal);
        var auto = Assert.Throws<ArgumentException>(() => new WhisperSpeechToText(fixture.Model, new WhisperOptions { Language = "auto" }));
        Assert.Contains("multilingual", auto.Message, StringComparison.Ordinal);
        var beam = Assert.Throws<ArgumentOutOfRangeException>(() => new WhisperSpeechToText(fixture.Model, new WhisperOptions { BeamSize = 9 }));
        Assert.Contains("BeamSize", beam.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Beam_search_initial_prompt_and_token_timestamps_run()
    {
        var stt = new WhisperSpeechToText(fixture.Model, s_fast with { BeamSize = 2, InitialPrompt = "kitchen bedroom lights", TokenTimestamps = true });
        var segments = await Collect(stt, TestAudio.Synthetic(1.5));
        Assert.All(segments, s => Assert.InRange(s.End, TimeSpan.Zero, TimeSpan.FromSeconds(1.5)));
    }

    [Fact]
    public async Task An_initial_prompt_reaches_the_decoder_and_changes_a_greedy_decode()
    {
        // Greedy at temperature 0 is deterministic; the prompt is decoder context, so the random-weight
        // model's output differs with it.
        var audio = TestAudio.Synthetic(2.0, seed: 5);
        var plain = await Collect(new WhisperSpeechToText(fixture.Model, s_fast), audio);
        var again = await Collect(new WhisperSpeechToText(fixture.Model, s_fast), audio);
        var prompted = await Collect(new WhisperSpeechToText(fixture.Model, s_fast with { InitialPrompt = "kitchen bedroom lights on off" }), audio);
        string Text(List<TranscriptSegment> list) => string.Join(" ", list.Select(s => s.Text));
        output.WriteLine($"plain '{Text(plain)}'; prompted '{Text(prompted)}'");
        Assert.Equal(Text(plain), Text(again));
        Assert.NotEqual(Text(plain), Text(prompted));
    }

    [Fact]
    public async Task A_continuation_decodes_with_the_preceding_text_as_its_prompt()
    {
        // Incremental speculation: a piece of a longer utterance is decoded after the text before it. With no text it
        // is a plain decode; with text the decoder sees it as its prompt (after any configured InitialPrompt).
        var audio = TestAudio.Synthetic(2.0, seed: 5);
        var stt = new WhisperSpeechToText(fixture.Model, s_fast);
        string Text(List<TranscriptSegment> list) => string.Join(" ", list.Select(s => s.Text));
        var plain = Text(await Collect(stt, audio));
        var first = Text(await Continue(stt, audio, string.Empty, 0));
        var oneThread = Text(await Continue(stt, audio, string.Empty, 1));
        var prompted = Text(await Continue(stt, audio, "kitchen bedroom lights on off", 0));
        var configured = Text(await Collect(new WhisperSpeechToText(fixture.Model, s_fast with { InitialPrompt = "kitchen bedroom lights on off" }), audio));
        output.WriteLine($"plain '{plain}'; continued '{prompted}'");
        Assert.Equal(plain, first);
        Assert.Equal(plain, oneThread);
        Assert.Equal(configured, prompted);
        Assert.NotEqual(plain, prompted);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Continue(stt, audio, string.Empty, -1));
        Assert.Equal(0, fixture.Model.ActiveRuns);
    }

    private static async Task<List<TranscriptSegment>> Continue(WhisperSpeechToText stt, float[] audio, string before, int threads)
    {
        var list = new List<TranscriptSegment>();
        await foreach (var s in stt.TranscribeContinuationAsync(audio, before, threads, CancellationToken.None))
        {
            list.Add(s);
        }

        return list;
    }

    [RequiresFileFact("ggml-tiny.en.bin", "real Whisper tiny.en weights are not obtainable on the build machines")]
    public async Task Tiny_en_transcribes_jfk_with_a_word_error_rate_under_ten_percent()
    {
        using var model = WhisperModel.Load(TestPaths.Model("ggml-tiny.en.bin"));
        var stt = new WhisperSpeechToText(model);
        var segments = await Collect(stt, TestAudio.ReadWav16kMono(TestPaths.Model("samples/jfk.wav")));
        var text = string.Join(" ", segments.Select(s => s.Text));
        output.WriteLine(text);
        var wer = TestAudio.WordErrorRate("And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.", text);
        Assert.True(wer < 0.10, $"WER {wer:P1}: '{text}'");
        Assert.All(segments, s => Assert.InRange(s.Confidence, 0.3f, 1f));
    }

    [RequiresFileFact("ggml-base.en.bin", "real Whisper base.en weights are not obtainable on the build machines")]
    public async Task Base_en_transcribes_jfk_with_a_word_error_rate_under_ten_percent()
    {
        using var model = WhisperModel.Load(TestPaths.Model("ggml-base.en.bin"));
        var segments = await Collect(new WhisperSpeechToText(model), TestAudio.ReadWav16kMono(TestPaths.Model("samples/jfk.wav")));
        var text = string.Join(" ", segments.Select(s => s.Text));
        var wer = TestAudio.WordErrorRate("And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.", text);
        Assert.True(wer < 0.10, $"WER {wer:P1}: '{text}'");
    }

    internal static async Task<List<TranscriptSegment>> Collect(ISpeechToText stt, float[] audio)
    {
        var list = new List<TranscriptSegment>();
        await foreach (var s in stt.TranscribeAsync(audio, CancellationToken.None))
        {
            list.Add(s);
        }

        return list;
    }
}

public sealed class MultilingualWhisperModelTests
{
    [Fact]
    public async Task A_generated_multilingual_model_detects_a_language_and_transcribes()
    {
        var dir = TestPaths.NewTempDirectory("whisper-multi");
        try
        {
            var path = Path.Combine(dir, "ggml-random-small.bin");
            GgmlWhisperModelWriter.Write(path, GgmlWhisperModelWriter.SmallEnglish with { VocabularySize = 51865 }, seed: 9);
            using var model = WhisperModel.Load(path);
            Assert.True(model.IsMultilingual);
            Assert.Equal(50257, model.EndOfTextToken);
            var stt = new WhisperSpeechToText(model, new WhisperOptions { Language = "auto", TemperatureIncrement = 0, BestOf = 1, Threads = 2 });
            var segments = await WhisperEngineTests.Collect(stt, TestAudio.Synthetic(2.0));
            Assert.All(segments, s => Assert.InRange(s.End, TimeSpan.Zero, TimeSpan.FromSeconds(2)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

public sealed class TokenBudgetWhisperModelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_model_written_to_decode_to_the_token_limit_fills_the_window_with_text()
    {
        var dir = TestPaths.NewTempDirectory("whisper-budget");
        try
        {
            var path = Path.Combine(dir, "ggml-budget.en.bin");
            GgmlWhisperModelWriter.Write(path, GgmlWhisperModelWriter.SmallEnglish with { TextContext = 24 }, seed: 11, decodeToTokenLimit: true);
            using var model = WhisperModel.Load(path);
            var options = new WhisperOptions { TemperatureIncrement = 0, BestOf = 1, Threads = 2 };
            var segments = await WhisperEngineTests.Collect(new WhisperSpeechToText(model, options), TestAudio.Synthetic(2.0));
            var text = string.Join(" ", segments.Select(s => s.Text));
            output.WriteLine(text);

            // MaxTokensPerSegment reaches whisper.cpp's max_tokens: the window stops after 2 tokens.
            var capped = await WhisperEngineTests.Collect(new WhisperSpeechToText(model, options with { MaxTokensPerSegment = 2 }), TestAudio.Synthetic(2.0));
            var cappedText = string.Join(" ", capped.Select(s => s.Text));
            output.WriteLine(cappedText);
            Assert.True(cappedText.Length < text.Length, $"capped '{cappedText}' is not shorter than '{text}'");

            // n_text_ctx 24 -> whisper.cpp decodes at most 24/2 - 4 = 8 tokens per window, all text (no
            // end-of-text, no timestamps); byte tokens glue onto the synthetic words, so count words loosely.
            var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.InRange(words, 3, 8);
            Assert.Single(segments);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
