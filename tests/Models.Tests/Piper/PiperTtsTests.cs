using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Text;
using VoiceAppliance.Models.Vad;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Piper;

/// <summary>Piper on the provisioned sherpa-onnx-layout voice (en_US-libritts_r-medium, 904 speakers, 22050 Hz).</summary>
public sealed class PiperTtsTests(ITestOutputHelper output)
{
    private const string VoiceModel = "piper/en_US-libritts_r-medium/model.onnx";

    private static PiperTts Tts => SpeechSamples.Voice(TestPaths.Model("piper/en_US-libritts_r-medium"));

    [RequiresFileFact(VoiceModel, "the provisioned Piper voice")]
    public void Sherpa_layout_voice_is_read_from_tokens_and_metadata()
    {
        var voice = Tts.Voice;
        Assert.Equal(PiperVoiceLayout.SherpaOnnx, voice.Layout);
        Assert.Equal(22050, voice.SampleRate);
        Assert.Equal(904, voice.SpeakerCount);
        Assert.Equal("en-us", voice.EspeakVoice);

        // Debian's libespeak-ng 1.51 cannot read the bundled espeak-ng-data (no 'intonations' file): installed data is used.
        Assert.Null(voice.EspeakDataPath);
        Assert.Equal(22050, Tts.SampleRate);
    }

    [RequiresFileFact(VoiceModel, "the provisioned Piper voice")]
    public void Phonemes_keep_clause_punctuation_and_ids_follow_pipers_layout()
    {
        var phonemes = Tts.Phonemize("Hello world, this is a test.");
        output.WriteLine(phonemes);
        Assert.Equal("həlˈoʊ wˈɜːld, ðɪs ɪz ɐ tˈɛst.", phonemes);
        var ids = Tts.Voice.PhonemesToIds("hə", out var unknown);
        Assert.Equal(0, unknown);

        // ^ _ h _ ə _ $ with tokens.txt's ids: ^=1, _=0, $=2.
        Assert.Equal(7, ids.Count);
        Assert.Equal([1L, 0L], ids.Take(2));
        Assert.Equal(2L, ids[^1]);
        Assert.Equal(0L, ids[3]);
        Tts.Voice.PhonemesToIds("h\u4e2d\u0001", out unknown);
        Assert.Equal(2, unknown);
    }

    [RequiresFileFact(VoiceModel, "the provisioned Piper voice")]
    public async Task Streams_one_chunk_per_sentence_at_the_voice_rate_without_nan_or_clipping()
    {
        var chunks = new List<AudioChunk>();
        await foreach (var chunk in Tts.SynthesizeAsync("The kitchen light is on. It is twenty one degrees! Shall I open the blinds?", null, CancellationToken.None))
        {
            chunks.Add(chunk);
        }

        Assert.Equal(3, chunks.Count);
        Assert.Equal([0, 1, 2], chunks.Select(c => c.SentenceIndex));
        Assert.Equal("It is twenty one degrees!", chunks[1].Text);
        foreach (var chunk in chunks)
        {
            Assert.Equal(22050, chunk.SampleRate);
            var samples = chunk.Samples.ToArray();
            Assert.All(samples, s => Assert.True(float.IsFinite(s) && Math.Abs(s) < 1f));
            var seconds = samples.Length / 22050.0;
            output.WriteLine($"{chunk.Text}: {seconds:F2} s, peak {samples.Max(Math.Abs):F2}");
            Assert.InRange(seconds, 0.8, 4.0);
            Assert.True(samples.Max(Math.Abs) > 0.1f, "audible");
        }
    }

    [RequiresFileFact(VoiceModel, "the provisioned Piper voice")]
    public void Duration_is_proportional_to_the_text_and_the_same_text_twice_has_the_same_length()
    {
        var options = new SynthesisOptions { SentenceSilence = TimeSpan.Zero };
        var shortText = Tts.Synthesize("Turn on the light.", options);
        var longText = Tts.Synthesize("Turn on the light in the kitchen, the hallway, the living room and the bedroom upstairs.", options);
        var again = Tts.Synthesize("Turn on the light.", options);
        output.WriteLine($"{shortText.Length} {longText.Length} {again.Length}");
        Assert.Equal(shortText.Length, again.Length);
        Assert.Equal(shortText, again);
        var ratio = (double)longText.Length / shortText.Length;
        Assert.InRange(ratio, 2.5, 7.0);
    }

    [RequiresFileFact(VoiceModel, "the provisioned Piper voice")]
    public void Speed_silence_volume_and_speaker_are_applied()
    {
        var normal = Tts.Synthesize("Good morning.", new SynthesisOptions { SentenceSilence = TimeSpan.Zero });
        var fast = Tts.Synthesize("Good morning.", new SynthesisOptions { SentenceSilence = TimeSpan.Zero, Speed = 2f });
        var withSilence = Tts.Synthesize("Good morning.", new SynthesisOptions { SentenceSilence = TimeSpan.FromMilliseconds(500) });
        var quiet = Tts.Synthesize("Good morning.", new SynthesisOptions { SentenceSilence = TimeSpan.Zero, Volume = 0.25f });
        var other = Tts.Synthesize("Good morning.", new SynthesisOptions { SentenceSilence = TimeSpan.Zero, Speaker = 100 });
        Assert.InRange((double)fast.Length / normal.Length, 0.4, 0.8); // durations round up per phoneme
        Assert.Equal(normal.Length + 11025, withSilence.Length);
        Assert.All(withSilence[^11025..], s => Assert.Equal(0f, s));
        Assert.InRange(quiet.Max(Math.Abs) / normal.Max(Math.Abs), 0.24f, 0.26f);
        Assert.NotEqual(normal, other);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tts.Synthesize("Hi.", new SynthesisOptions { Speaker = 904 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tts.Synthesize("Hi.", new SynthesisOptions { Volume = 2f }));
    }

    [RequiresFileFact(VoiceModel, "the provisioned Piper voice")]
    public async Task Bad_input_is_defined_behaviour()
    {
        Assert.Empty(Tts.Synthesize(string.Empty));
        Assert.Empty(Tts.Synthesize("   \n "));
        Assert.Empty(Tts.Synthesize("?!... ,,, ;"));
        await foreach (var unused in Tts.SynthesizeAsync("...", null, CancellationToken.None))
        {
            Assert.Fail("punctuation alone is not speech");
        }

        // Non-English text goes through espeak's language switching; whatever it gives, the audio is finite.
        foreach (var text in new[] { "Grüße aus München, ça va?", "Привет мир.", "東京タワー", "\u0001\u0002 ok" })
        {
            var audio = Tts.Synthesize(text);
            output.WriteLine($"{text}: {audio.Length} samples");
            Assert.All(audio, s => Assert.True(float.IsFinite(s)));
        }
    }

    [RequiresFileFact(VoiceModel, "the provisioned Piper voice")]
    public async Task Ten_thousand_characters_stream_in_bounded_sentences_and_cancel_between_sentences()
    {
        // 10 000 characters: 2 500 short sentences; the first plays, then the request is cancelled.
        // (Long unpunctuated runs are cut at MaxSentenceLength; SentenceSplitterTests covers that.)
        var text = string.Concat(Enumerable.Repeat("Hi. ", 2500));
        Assert.Equal(10000, text.Length);
        Assert.Equal(2500, SentenceSplitter.Split(text).Count);
        Assert.All(SentenceSplitter.Split(string.Concat(Enumerable.Repeat("word ", 2000))), s => Assert.InRange(s.Length, 1, SentenceSplitter.MaxSentenceLength));
        using var cts = new CancellationTokenSource();
        var chunks = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var chunk in Tts.SynthesizeAsync(text, null, cts.Token))
            {
                chunks++;
                Assert.True(chunk.Text.Length <= SentenceSplitter.MaxSentenceLength);
                Assert.All(chunk.Samples.ToArray(), s => Assert.True(float.IsFinite(s)));
                cts.Cancel();
            }
        });
        Assert.Equal(1, chunks);
    }

    [RequiresFileFact(VoiceModel, "the provisioned Piper voice")]
    public async Task A_cancel_at_any_moment_of_a_sentence_ends_the_synthesis()
    {
        // Cancel at many points of one long sentence, counted from the moment its model run starts (a hook just
        // before ORT runs): at that moment, and 1, 2, ... ms into the run, while it runs and as it finishes. Also
        // before the run (while espeak phonemizes). Every request must end in OperationCanceledException (a cancel
        // is never lost), and a cancel at the start of the run must stop it inside ORT (terminated, not finished).
        // Eight sentences: even a test thread starved by a busy machine cancels long before the last one is done.
        var text = string.Concat(Enumerable.Repeat("And then the long sentence goes on and then the long sentence goes on. ", 8));
        // The cancel is issued from a dedicated thread armed by the hook, so a busy thread pool cannot delay it.
        Action? armed = null;
        var tts = new PiperTts(Tts.Voice) { ModelRunStarting = () => Interlocked.Exchange(ref armed, null)?.Invoke() };
        var msTicks = System.Diagnostics.Stopwatch.Frequency / 1000;
        var completed = 0;
        var insideRun = 0;
        for (var point = -5; point < 40; point++)
        {
            using var cts = new CancellationTokenSource();
            var offset = point;
            if (point == -5)
            {
                cts.Cancel(); // before anything started
            }
            else if (point >= 0)
            {
                insideRun++;
                Volatile.Write(ref armed, () =>
                {
                    if (offset == 0)
                    {
                        cts.Cancel(); // at the run's start, on the synthesis thread itself
                        return;
                    }

                    var canceller = new Thread(() =>
                    {
                        var until = System.Diagnostics.Stopwatch.GetTimestamp() + (offset * msTicks);
                        while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
                        {
                            Thread.SpinWait(100);
                        }

                        cts.Cancel();
                    }) { IsBackground = true };
                    canceller.Start();
                });
            }

            var synthesis = Task.Run(async () =>
            {
                await foreach (var unused in tts.SynthesizeAsync(text, null, cts.Token))
                {
                    Interlocked.Increment(ref completed);
                }
            });
            if (point is > -5 and < 0)
            {
                // -4 .. -1: while espeak phonemizes, before the run (a run that starts anyway is cancelled at once).
                Thread.SpinWait(1000 * (point + 5));
                cts.Cancel();
            }

            var ex = await Record.ExceptionAsync(() => synthesis.WaitAsync(TimeSpan.FromSeconds(60)));
            Volatile.Write(ref armed, null);
            Assert.True(ex is OperationCanceledException, $"cancel point {point}: expected OperationCanceledException, got {ex?.GetType().Name ?? "no exception"} after {completed} chunks");
        }

        output.WriteLine($"runs terminated inside ONNX Runtime: {tts.TerminatedRuns} ({insideRun} cancels timed from a run's start); chunks yielded before a cancel: {completed}");
        Assert.True(tts.TerminatedRuns > 0, "no cancel reached a model run in progress");

        // The voice still works afterwards.
        Assert.NotEmpty(Tts.Synthesize("Still here."));
    }

    [RequiresFileFact(VoiceModel, "the provisioned Piper voice")]
    public void Silero_finds_speech_in_the_16_kHz_helper_output()
    {
        var audio = SpeechSamples.Synthesize16kHz("Please set a timer for ten minutes.", TestPaths.Model("piper/en_US-libritts_r-medium"));
        Assert.All(audio, s => Assert.True(float.IsFinite(s)));
        using var vad = SileroVad.Open(TestPaths.Model("silero_vad_v5.onnx"));
        var padded = new float[audio.Length + 16000];
        audio.CopyTo(padded, 8000);
        var segments = SpeechSegmenter.Segment(vad, padded);
        output.WriteLine(string.Join(", ", segments));
        var speech = segments.Sum(s => s.Length);
        Assert.True(speech > audio.Length * 0.6, $"only {speech} of {audio.Length} samples found as speech");
    }
}

/// <summary>Piper's own layout (voice.onnx + voice.onnx.json), built from the provisioned voice's real weights.</summary>
public sealed class PiperJsonLayoutTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("piper-json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [RequiresFileFact("piper/en_US-libritts_r-medium/model.onnx", "the provisioned Piper voice supplies the weights")]
    public void A_piper_layout_voice_loads_its_json_and_speaks_like_the_same_weights_in_sherpa_layout()
    {
        var source = TestPaths.Model("piper/en_US-libritts_r-medium");
        File.CreateSymbolicLink(Path.Combine(_dir, "en_US-test-medium.onnx"), Path.Combine(source, "model.onnx"));
        var map = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(source, "tokens.txt")))
        {
            var space = line.LastIndexOf(' ');
            var symbol = space == 0 ? " " : line[..space];
            map.Add($"{System.Text.Json.JsonSerializer.Serialize(symbol, JsonStrings.Default.String)}: [{line[(space + 1)..]}]");
        }

        File.WriteAllText(
            Path.Combine(_dir, "en_US-test-medium.onnx.json"),
            "{ \"audio\": { \"sample_rate\": 22050 }, \"espeak\": { \"voice\": \"en-us\" }, \"phoneme_type\": \"espeak\", " +
            "\"inference\": { \"noise_scale\": 0, \"length_scale\": 1.25, \"noise_w\": 0 }, \"num_speakers\": 904, " +
            "\"phoneme_id_map\": {" + string.Join(", ", map) + "} }");

        using var tts = PiperTts.Open(_dir);
        Assert.Equal(PiperVoiceLayout.Piper, tts.Voice.Layout);
        Assert.Equal(1.25f, tts.Voice.LengthScale);
        Assert.Equal(904, tts.Voice.SpeakerCount);
        var slow = tts.Synthesize("Turn on the light.", new SynthesisOptions { SentenceSilence = TimeSpan.Zero });
        var same = SpeechSamples.Voice(source).Synthesize("Turn on the light.", new SynthesisOptions { SentenceSilence = TimeSpan.Zero, Speed = 0.8f });
        var normal = SpeechSamples.Voice(source).Synthesize("Turn on the light.", new SynthesisOptions { SentenceSilence = TimeSpan.Zero });

        // Same weights, same ids, noise 0: the JSON's length scale 1.25 equals speed 0.8 on the sherpa layout, sample for sample.
        Assert.Equal(same, slow);
        Assert.True(slow.Length > normal.Length);
    }

    [RequiresFileFact("piper/en_US-libritts_r-medium/model.onnx", "a real model file beside the broken config")]
    public void A_broken_json_config_is_rejected_naming_the_file()
    {
        var model = TestPaths.Model("piper/en_US-libritts_r-medium/model.onnx");

        File.CreateSymbolicLink(Path.Combine(_dir, "v.onnx"), model);
        File.WriteAllText(Path.Combine(_dir, "v.onnx.json"), "{ \"audio\": { \"sample_rate\": 22050 }");
        var ex = Assert.Throws<InvalidDataException>(() => PiperVoice.Load(_dir));
        Assert.Contains("v.onnx.json", ex.Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, "v.onnx.json"), "{ \"audio\": { \"sample_rate\": 22050 } }");
        ex = Assert.Throws<InvalidDataException>(() => PiperVoice.Load(_dir));
        Assert.Contains("phoneme_id_map", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_voice_is_a_clear_error()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => PiperVoice.Load(Path.Combine(_dir, "nope")));
        Assert.Contains("nope", ex.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => PiperVoice.Load(_dir));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class JsonStrings : System.Text.Json.Serialization.JsonSerializerContext;
