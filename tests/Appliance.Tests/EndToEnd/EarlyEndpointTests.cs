using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using VoiceAppliance.Models;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>
/// Speculative transcription in the silence window (issue 17) on real engines: Piper-spoken commands, the real
/// Silero VAD and the grammar STT. Mechanisms and events are asserted, never elapsed times.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class EarlyEndpointTests(EndToEndFixture engines, ITestOutputHelper output)
{
    [Theory]
    [InlineData("Turn on the kitchen light.", "turn on the kitchen light", "ChangeLightState")]
    [InlineData("Set a timer for ten minutes.", "set a timer for ten minutes", "StartTimer")]
    [InlineData("Set the volume to forty five percent.", "set the volume to forty five percent", "SetVolume")]
    public async Task ACompleteCommandEndsTheTurnEarlyWithTheTranscriptTakenInThePause(string spoken, string expected, string intent)
    {
        // A 4 s silence window and the microphone at twice real time, so the early endpoint never races the window on
        // a loaded machine: the guess has 1.9 s of wall time to arrive; a turn that did not end early would end on
        // silence 3.8 s of audio after the guess was taken, and fail here.
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.4)
            .Say(spoken, engines.Speech(spoken))
            .Noise(5);
        var stt = (CountingStt?)null;
        var options = new RigOptions
        {
            MicSpeed = 2,
            Pipeline = new PipelineOptions { Endpointing = new EndpointingOptions { SilenceToEnd = TimeSpan.FromSeconds(4) } },
            Wrap = e => e with { Stt = stt = new CountingStt(e.Stt) },
        };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        Assert.Empty(result.Errors);
        var turn = Assert.Single(result.Turns);
        Assert.Equal(expected, turn.Transcript);
        Assert.Equal(intent, turn.Intent);
        Assert.Equal(UtteranceEnd.EarlyEndpoint, turn.Metrics.UtteranceEnd);
        Assert.True(turn.Metrics.EarlyEndpoint);
        Assert.True(turn.Metrics.SpeculativeTranscript);

        // Listening ended inside the silence window (counted in audio samples), and the felt latency includes it.
        Assert.InRange(turn.Metrics.TrailingSilence, new EarlyEndpointOptions().Pause, TimeSpan.FromSeconds(4) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(turn.Metrics.EndOfSpeechToFirstAudioMs!.Value + turn.Metrics.TrailingSilence.TotalMilliseconds, turn.Metrics.LastVoiceToFirstAudioMs!.Value, 3);
        var call = Assert.Single(stt!.Calls);
        output.WriteLine($"confidence {call.Confidence:F3}");

        // The reply's first sentence was synthesised from the guess, before the turn was confirmed, and played.
        Assert.True(turn.Metrics.PrefetchedReply, "the reply's first sentence should come from the prefetch");

        // The turn_ended report says so.
        var json = PipelineEventPayload.ToJson(turn);
        Assert.Contains("\"early_endpoint\":true", json, StringComparison.Ordinal);
        Assert.Contains("\"prefetched_reply\":true", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACommandFollowedBySilenceKeepsTheTranscriptTakenInThePause()
    {
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.4)
            .Say("Turn on the kitchen light.", engines.Speech("Turn on the kitchen light."))
            .Noise(2.5);
        var stt = (CountingStt?)null;

        // MinConfidence 1: no early endpoint, so the silence window ends the utterance.
        var options = new RigOptions
        {
            MicSpeed = 4,
            Pipeline = new PipelineOptions { EarlyEndpoint = new EarlyEndpointOptions { MinConfidence = 1f } },
            Wrap = e => e with { Stt = stt = new CountingStt(e.Stt) },
        };
        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        Assert.Empty(result.Errors);
        var turn = Assert.Single(result.Turns);
        Assert.Equal("turn on the kitchen light", turn.Transcript);
        Assert.Equal("ChangeLightState", turn.Intent);
        Assert.True(turn.Metrics.SpeculativeTranscript, "the silence ended the utterance with no new speech: the pause's guess is the transcript");
        Assert.Equal(UtteranceEnd.Silence, turn.Metrics.UtteranceEnd);
        Assert.True(turn.Metrics.TrailingSilence >= new PipelineOptions().Endpointing.SilenceToEnd, "the silence window ended it");
        Assert.NotNull(turn.Metrics.LastVoiceToFirstAudioMs);

        // One decode, started in the pause, on less audio than the turn's whole utterance (no second decode).
        var call = Assert.Single(stt!.Calls);
        Assert.True(call.Samples < turn.Metrics.UtteranceDuration.TotalSeconds * 16000, "the decode must be the pause's, on the utterance so far");
        var final = Assert.Single(result.Events.OfType<TranscriptEvent>());
        Assert.True(final.IsFinal);
        Assert.Equal([("home/kitchen/light/set", "on")], result.Published);
    }

    [Fact]
    public async Task SpeechThatResumesAfterAPauseDropsTheGuessAndIsUnderstoodWhole()
    {
        // "set the volume to forty" ... 400 ms ... "five percent": the pause is longer than EarlyEndpoint:Pause
        // (150 ms), shorter than the silence window (700 ms).
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.4)
            .Say("set the volume to forty", engines.Speech("Set the volume to forty"))
            .Noise(0.4)
            .Say("five percent", engines.Speech("five percent."))
            .Noise(2.5);
        var stt = (CountingStt?)null;

        var result = await EndToEndRig.RunAsync(engines, recording, new RigOptions { MicSpeed = 4, Wrap = e => e with { Stt = stt = new CountingStt(e.Stt) } }, output);

        Assert.Empty(result.Errors);
        var turn = Assert.Single(result.Turns);
        foreach (var c in stt!.Calls)
        {
            output.WriteLine($"decode of {c.Samples / 16000.0:F2} s: \"{c.Text}\"{(c.Cancelled ? " (cancelled)" : string.Empty)}");
        }

        // A speculation ran in the pause, on the audio before "five percent"; the user spoke again, so it was dropped.
        Assert.True(stt.Calls.Count >= 2, "a speculative decode must have started in the 400 ms pause");
        var inPause = stt.Calls[0];
        var whole = stt.Calls[^1];
        Assert.True(inPause.Samples < whole.Samples, "the pause's decode covers only the speech before it");

        // "set the volume to forty" is a command that may go on: the pause did not end the turn there (one turn, whole).
        // (It may have been cancelled inside the decode, with no text, when the speech came back quickly enough.)
        Assert.Contains(inPause.Text, new[] { string.Empty, "set the volume to forty" });
        Assert.True(whole.Samples > inPause.Samples + (0.4 * 16000), "the turn went on past the pause");

        // Nothing of the dropped guess is visible: every transcript event is of the whole command.
        Assert.Equal("set the volume to forty five percent", turn.Transcript);
        Assert.All(result.Events.OfType<TranscriptEvent>(), t => Assert.Equal("set the volume to forty five percent", t.Text));
        Assert.Equal("SetVolume", turn.Intent);
        Assert.Equal(45, result.FinalVolume);

        // A reply prefetched for the dropped guess ("... to 40") is never played: the one that may have been played is
        // the final guess's (its first sentence must equal the reply's; SpeechPrefetchTests cover a mismatch).
    }

    [Theory]
    [InlineData("Set a timer for", "ten minutes.", "set a timer for ten minutes", "unfinished", true)]
    [InlineData("Set a timer for", "ten minutes.", "set a timer for ten minutes", "unfinished", false)]
    [InlineData("Set the volume to forty", "five percent.", "set the volume to forty five percent", "continuable", true)]
    [InlineData("Set the volume to forty", "five percent.", "set the volume to forty five percent", "continuable", false)]
    public async Task AUserWhoPausesInsideACommandGetsALongerPauseAndIsUnderstoodWhole(string before, string after, string whole, string kind, bool extend)
    {
        // "<before>" ... 1.6 s ... "<after>": longer than the 1.2 s window, shorter than the 3 s allowed to an unfinished
        // command ("set a timer for": no grammar path) or to one that may continue ("set the volume to forty"). The
        // microphone runs at real time and the window is wide, so the guess taken 150 ms into the pause has a second
        // of wall time to arrive even on a loaded machine.
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.4)
            .Say(before.ToLowerInvariant(), engines.Speech(before))
            .Noise(1.6)
            .Say(after.TrimEnd('.'), engines.Speech(after))
            .Noise(3.5);
        var allowed = extend ? TimeSpan.FromSeconds(3) : TimeSpan.Zero;
        var options = new RigOptions
        {
            MicSpeed = 1,
            Pipeline = new PipelineOptions
            {
                Endpointing = new EndpointingOptions { SilenceToEnd = TimeSpan.FromMilliseconds(1200) },
                EarlyEndpoint = kind == "unfinished" ? new EarlyEndpointOptions { UnfinishedSilence = allowed } : new EarlyEndpointOptions { ContinuableSilence = allowed },
            },
        };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        Assert.Empty(result.Errors);
        var first = result.Turns[0];
        if (extend)
        {
            // One whole turn across a pause longer than the window (the other case shows the window alone cuts it).
            var turn = Assert.Single(result.Turns);
            output.WriteLine($"pause extended: {turn.Metrics.PauseExtended}");
            Assert.Equal(whole, turn.Transcript);
            Assert.NotNull(turn.Intent);
        }
        else
        {
            // Today's window: the turn ends in the pause, on half a command.
            Assert.False(first.Metrics.PauseExtended);
            Assert.NotEqual(whole, first.Transcript);
        }
    }

    [Fact]
    public async Task AGuessJudgedAfterTheWindowRanOutStillExtendsThePauseOfAnUnfinishedCommand()
    {
        // "set a timer for" ... 2.4 s ... "ten minutes", the default 0.7 s window, and the pause's guess held back 1 s
        // (a loaded machine): the window runs out before the guess is judged. The pause waits for the verdict (up to
        // the 3 s extension), which is "unfinished", so the turn goes on to the whole command.
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.4)
            .Say("set a timer for", engines.Speech("Set a timer for"))
            .Noise(2.4)
            .Say("ten minutes", engines.Speech("ten minutes."))
            .Noise(3.5);
        var stt = (GuessRecordingStt?)null;
        var options = new RigOptions
        {
            MicSpeed = 1,
            Pipeline = new PipelineOptions { EarlyEndpoint = new EarlyEndpointOptions { UnfinishedSilence = TimeSpan.FromSeconds(3) } },
            Wrap = e => e with { Stt = stt = new GuessRecordingStt((ISpeculativeSpeechToText)e.Stt, lateGuesses: 1, lateBy: TimeSpan.FromSeconds(1)) },
        };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        Assert.Empty(result.Errors);
        Assert.True(stt!.Guesses[0].Guess.Unfinished, "the pause's guess should be an unfinished command (no grammar path yet)");
        var turn = Assert.Single(result.Turns);
        Assert.True(turn.Metrics.PauseExtended, "the late verdict should still have extended the pause");
        Assert.Equal("set a timer for ten minutes", turn.Transcript);
        Assert.Equal("StartTimer", turn.Intent);
    }

    [Fact]
    public async Task APauseHeldForALateGuessEndsWhenTheVerdictGivesNoMoreTimeAndTheGuessIsTheTranscript()
    {
        // A complete command whose guess may not end the turn early (MinConfidence 1): its verdict is the window. The
        // guess comes 1.2 s late, after the 0.7 s window: the pause is held for it (up to the 5 s extension), then ends
        // at once, and the guess is the transcript (no second decode).
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.4)
            .Say("turn on the kitchen light", engines.Speech("Turn on the kitchen light."))
            .Noise(6);
        var options = new RigOptions
        {
            MicSpeed = 1,
            Pipeline = new PipelineOptions { EarlyEndpoint = new EarlyEndpointOptions { MinConfidence = 1f, UnfinishedSilence = TimeSpan.FromSeconds(5) } },
            Wrap = e => e with { Stt = new GuessRecordingStt((ISpeculativeSpeechToText)e.Stt, lateGuesses: 1, lateBy: TimeSpan.FromSeconds(1.2)) },
        };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        Assert.Empty(result.Errors);
        var turn = Assert.Single(result.Turns);
        Assert.Equal("turn on the kitchen light", turn.Transcript);
        Assert.Equal(UtteranceEnd.Silence, turn.Metrics.UtteranceEnd);
        Assert.False(turn.Metrics.PauseExtended);
        Assert.True(turn.Metrics.SpeculativeTranscript, "the held pause's guess should be the transcript");
        Assert.True(turn.Metrics.TrailingSilence >= TimeSpan.FromSeconds(1), $"the pause should have been held past the 0.7 s window for the late guess ({turn.Metrics.TrailingSilence.TotalSeconds:F2} s)");
        Assert.True(turn.Metrics.TrailingSilence < TimeSpan.FromSeconds(4), $"the pause should have ended when the verdict came, not at the 5 s limit ({turn.Metrics.TrailingSilence.TotalSeconds:F2} s)");
    }

    /// <summary>
    /// espeak-ng (deterministic with <c>sox -D</c>) "set the volume to" ... 2.4 s ... "forty percent": in the pause the
    /// grammar forces a number onto the silence ("set the volume to eight"), with a confidence under
    /// <see cref="EarlyEndpointOptions.MinConfidence"/> or refused, so the guess is neither unfinished nor a command
    /// that may continue, and the window alone would end the turn on half a command. Its last word starts after the
    /// VAD's last voiced frame: the words before it, "set the volume to", are a strict prefix, so the pause is extended
    /// as for an unfinished command. ContinuableSilence is 0, so only that judgement can extend this pause.
    /// </summary>
    [RequiresProgramFact("espeak-ng")]
    public Task AGuessWhoseLastWordWasForcedOntoThePauseIsJudgedByTheWordsBeforeIt_EnGb() => ForcedLastWordAsync("en-gb");

    /// <inheritdoc cref="AGuessWhoseLastWordWasForcedOntoThePauseIsJudgedByTheWordsBeforeIt_EnGb"/>
    [RequiresProgramFact("espeak-ng")]
    public Task AGuessWhoseLastWordWasForcedOntoThePauseIsJudgedByTheWordsBeforeIt_EnUsF3() => ForcedLastWordAsync("en-us+f3");

    private async Task ForcedLastWordAsync(string voice)
    {
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.4)
            .Say("set the volume to", Espeak(voice, "set the volume to"))
            .Noise(2.4)
            .Say("forty percent", Espeak(voice, "forty percent"))
            .Noise(5);

        // A 2 s window and a 2.4 s pause at real time: the guess taken 150 ms into the pause has 1.8 s of wall time to
        // extend it, even on a loaded machine; the extension (4 s) covers the pause.
        var stt = (GuessRecordingStt?)null;
        var options = new RigOptions
        {
            MicSpeed = 1,
            Pipeline = new PipelineOptions
            {
                Endpointing = new EndpointingOptions { SilenceToEnd = TimeSpan.FromSeconds(2) },
                EarlyEndpoint = new EarlyEndpointOptions { UnfinishedSilence = TimeSpan.FromSeconds(4), ContinuableSilence = TimeSpan.Zero },
            },
            Wrap = e => e with { Stt = stt = new GuessRecordingStt((ISpeculativeSpeechToText)e.Stt) },
        };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        Assert.Empty(result.Errors);
        foreach (var g in stt!.Guesses)
        {
            output.WriteLine($"guess of {g.Samples / 16000.0:F2} s: path '{g.Guess.BestPath}' (confidence {g.Guess.BestPathConfidence:F2}, accepted '{g.Guess.Text}', unfinished {g.Guess.Unfinished}), last word from {g.Guess.LastWordStart?.TotalSeconds:F2} s");
        }

        // The clip still tests a forced last word: the pause's guess is a number forced after "set the volume to", not
        // an unfinished path (that rule has its own test) and not a confident command that may continue.
        var pause = stt.Guesses[0].Guess;
        Assert.False(pause.Unfinished, "the pause's guess has no path at all; this clip no longer tests a forced last word");
        Assert.StartsWith("set the volume to ", pause.BestPath, StringComparison.Ordinal);
        Assert.True(pause.Text.Length == 0 || pause.Confidence < new EarlyEndpointOptions().MinConfidence, $"the guess '{pause.Text}' ({pause.Confidence:F2}) is confident; this clip no longer tests a guess the old rule left alone");

        var turn = Assert.Single(result.Turns);
        Assert.True(turn.Metrics.PauseExtended, "the pause should have been extended for the words before the forced one");
        Assert.Equal("set the volume to forty percent", turn.Transcript);
        Assert.Equal("SetVolume", turn.Intent);
    }

    /// <summary>16 kHz espeak-ng speech at 160 wpm, resampled by sox without dither (deterministic).</summary>
    private static float[] Espeak(string voice, string text)
    {
        var dir = Directory.CreateTempSubdirectory("early-endpoint-espeak").FullName;
        try
        {
            var raw = Path.Combine(dir, "raw.wav");
            var pcm = Path.Combine(dir, "speech.raw");
            ExternalTool.Run("espeak-ng", ["-v", voice, "-s", "160", "-w", raw, text]);
            ExternalTool.Run("sox", ["-D", raw, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", pcm]);
            var bytes = File.ReadAllBytes(pcm);
            var audio = new float[bytes.Length / 2];
            for (var i = 0; i < audio.Length; i++)
            {
                audio[i] = BitConverter.ToInt16(bytes, 2 * i) / 32768f;
            }

            return audio;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task WithEarlyEndpointOffTheTurnIsTranscribedOnceAfterTheEndpoint()
    {
        var recording = new ScriptedRecording()
            .Noise(0.5).TapWhenIdle().Noise(0.4)
            .Say("Turn off the bedroom light.", engines.Speech("Turn off the bedroom light."))
            .Noise(2.5);
        var stt = (CountingStt?)null;
        var options = new RigOptions
        {
            MicSpeed = 8,
            Pipeline = new PipelineOptions { EarlyEndpoint = new EarlyEndpointOptions { Enabled = false } },
            Wrap = e => e with { Stt = stt = new CountingStt(e.Stt) },
        };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        var turn = Assert.Single(result.Turns);
        Assert.Equal("turn off the bedroom light", turn.Transcript);
        Assert.False(turn.Metrics.SpeculativeTranscript);
        var call = Assert.Single(stt!.Calls);
        Assert.Equal(turn.Metrics.UtteranceDuration.TotalSeconds * 16000, call.Samples, 1.0);
    }

    /// <summary>Records each decode the pipeline asks for: audio length, text, and whether it was cancelled.</summary>
    private sealed class CountingStt(ISpeechToText inner) : ISpeechToText
    {
        private readonly ConcurrentQueue<Call> _calls = new();

        public IReadOnlyList<Call> Calls => [.. _calls];

        public string Name => inner.Name;

        public bool TranscribesSpeculatively => inner.TranscribesSpeculatively;

        public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var call = new Call(audio.Length);
            _calls.Enqueue(call);
            await foreach (var s in inner.TranscribeAsync(audio, cancellationToken).ConfigureAwait(false))
            {
                call.Text += s.Text;
                call.Confidence = s.Confidence;
                yield return s;
            }

            call.Cancelled = cancellationToken.IsCancellationRequested;
        }
    }

    /// <summary>
    /// Records each guess the pipeline asks for (the pause's judgement), passing everything through; the first
    /// <paramref name="lateGuesses"/> guesses come back <paramref name="lateBy"/> late (a loaded machine).
    /// </summary>
    private sealed class GuessRecordingStt(ISpeculativeSpeechToText inner, int lateGuesses = 0, TimeSpan lateBy = default) : ISpeculativeSpeechToText
    {
        private readonly ConcurrentQueue<(int Samples, SpeechGuess Guess)> _guesses = new();
        private int _asked;

        public IReadOnlyList<(int Samples, SpeechGuess Guess)> Guesses => [.. _guesses];

        public string Name => inner.Name;

        public bool TranscribesSpeculatively => inner.TranscribesSpeculatively;

        public IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken) => inner.TranscribeAsync(audio, cancellationToken);

        public async Task<SpeechGuess> GuessAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken)
        {
            var late = Interlocked.Increment(ref _asked) <= lateGuesses;
            var guess = await inner.GuessAsync(audio, cancellationToken).ConfigureAwait(false);
            if (late)
            {
                await Task.Delay(lateBy, cancellationToken).ConfigureAwait(false);
            }

            _guesses.Enqueue((audio.Length, guess));
            return guess;
        }
    }

    private sealed class Call(int samples)
    {
        public int Samples { get; } = samples;

        public string Text { get; set; } = string.Empty;

        public bool Cancelled { get; set; }

        public float Confidence { get; set; }
    }
}
