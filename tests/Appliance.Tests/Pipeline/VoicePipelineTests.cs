using System.Runtime.CompilerServices;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Tests.Pipeline;

public sealed class VoicePipelineTests
{
    [Fact]
    public async Task Tap_command_runs_a_nominal_session_with_events_in_order()
    {
        await using var rig = new PipelineRig();
        await rig.SpeakCommand();
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        await rig.Log.WaitForState(PipelineState.Idle);

        Assert.Equal(SessionEndReason.Nominal, ended.Reason);
        var trace = rig.Log.Trace();
        Assert.Equal(
            "session_started turn_started Idle->Listening Listening->Transcribing transcript(turn,False) transcript(turn on the light,False) " +
            "transcript(turn on the light,True) Transcribing->Thinking Thinking->Speaking turn_ended session_ended(Nominal) Speaking->Idle",
            trace);
        var sequences = rig.Log.Snapshot().Select(e => e.Sequence).ToArray();
        Assert.Equal(Enumerable.Range(1, sequences.Length).Select(i => (long)i), sequences);
        Assert.All(rig.Log.Snapshot().Where(e => e is not StateChangedEvent), e => Assert.Equal(ended.SessionId, e.SessionId));
        Assert.Equal(["Turning on the light."], rig.Tts.Sentences);
        Assert.True(rig.Playback.WriteCount >= 1);
        Assert.Equal(1, rig.Playback.Drains);
    }

    [Fact]
    public async Task Utterance_keeps_the_prefix_padding_and_ends_after_silence_to_end()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Tap();
        await rig.Feed(TestAudio.Silence(1.0), TestAudio.Speech(1.0), TestAudio.Silence(2.0));
        var turn = await rig.Log.WaitFor<TurnEndedEvent>();

        // 0.3 s prefix + 1 s speech + 0.7 s silence to end, to within a window each.
        var seconds = rig.Stt.AudioLengths.Single() / 16000.0;
        Assert.InRange(seconds, 2.0 - 0.07, 2.0 + 0.07);
        Assert.Equal(UtteranceEnd.Silence, turn.Metrics.UtteranceEnd);
        Assert.InRange(turn.Metrics.SpeechDuration.TotalSeconds, 0.95, 1.05);
        Assert.NotNull(turn.Metrics.EndOfSpeechToTranscriptMs);
        Assert.NotNull(turn.Metrics.EndOfSpeechToFirstReplyTextMs);
        Assert.NotNull(turn.Metrics.EndOfSpeechToFirstAudioMs);
        Assert.NotNull(turn.Metrics.TtsRealTimeFactor);
    }

    [Theory]
    [InlineData(EndpointingPreset.Aggressive, 0.25)]
    [InlineData(EndpointingPreset.Default, 0.7)]
    [InlineData(EndpointingPreset.Relaxed, 1.25)]
    public async Task Presets_end_after_their_silence(EndpointingPreset preset, double silence)
    {
        await using var rig = new PipelineRig(options: new PipelineOptions { Endpointing = EndpointingOptions.FromPreset(preset) });
        rig.Pipeline.Tap();
        await rig.Feed(TestAudio.Speech(1.0), TestAudio.Silence(silence - 0.1));
        Assert.Equal(PipelineState.Listening, rig.Pipeline.State);
        await rig.Feed(TestAudio.Silence(0.15));
        await rig.Log.WaitForState(PipelineState.Transcribing);
    }

    [Fact]
    public async Task Short_noise_is_not_speech_and_no_speech_timeout_ends_the_session()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Tap();
        await rig.Feed(TestAudio.Speech(0.1), TestAudio.Silence(4.5));
        Assert.Equal(PipelineState.Listening, rig.Pipeline.State);
        await rig.Feed(TestAudio.Silence(0.6));
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(SessionEndReason.NoSpeech, ended.Reason);
        Assert.Equal(PipelineState.Idle, rig.Pipeline.State);
        Assert.Empty(rig.Stt.AudioLengths);
    }

    [Fact]
    public async Task A_monologue_hits_the_max_utterance_cap()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Tap();
        await rig.Feed(TestAudio.Speech(16.5));
        var turn = await rig.Log.WaitFor<TurnEndedEvent>();
        Assert.Equal(UtteranceEnd.MaxUtterance, turn.Metrics.UtteranceEnd);
        // speech began with the trigger, so there is no audio before it to pad with
        Assert.InRange(rig.Stt.AudioLengths.Single() / 16000.0, 14.65, 15.0);
    }

    [Fact]
    public async Task Hold_listens_through_silence_until_release()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.PressToTalk();
        await rig.Feed(TestAudio.Speech(0.5), TestAudio.Silence(2.0), TestAudio.Speech(0.5));
        Assert.Equal(PipelineState.Listening, rig.Pipeline.State);
        rig.Pipeline.ReleaseToTalk();
        var turn = await rig.Log.WaitFor<TurnEndedEvent>();
        Assert.Equal(UtteranceEnd.Released, turn.Metrics.UtteranceEnd);
        Assert.Equal(SessionTrigger.PushToTalkHold, (await rig.Log.WaitFor<SessionStartedEvent>()).Trigger);
        Assert.InRange(rig.Stt.AudioLengths.Single() / 16000.0, 2.95, 3.1);
    }

    [Fact]
    public async Task Hold_released_without_speech_is_no_speech()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.PressToTalk();
        await rig.Feed(TestAudio.Silence(1.0));
        rig.Pipeline.ReleaseToTalk();
        Assert.Equal(SessionEndReason.NoSpeech, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
    }

    [Fact]
    public async Task A_second_tap_while_listening_ends_the_utterance()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Tap();
        await rig.Feed(TestAudio.Speech(1.0));
        rig.Pipeline.Tap();
        var turn = await rig.Log.WaitFor<TurnEndedEvent>();
        Assert.Equal(UtteranceEnd.Released, turn.Metrics.UtteranceEnd);
    }

    [Fact]
    public async Task Listen_command_starts_a_session()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Listen();
        Assert.Equal(PipelineState.Listening, rig.Pipeline.State);
        Assert.Equal(SessionTrigger.ListenCommand, (await rig.Log.WaitFor<SessionStartedEvent>()).Trigger);
    }

    [Fact]
    public async Task Say_speaks_without_listening_and_is_refused_when_busy()
    {
        await using var rig = new PipelineRig();
        rig.Playback.HoldDrain = new TaskCompletionSource();
        Assert.True(rig.Pipeline.Say("Dinner is ready. Come down!"));
        await rig.Log.WaitForState(PipelineState.Speaking);
        Assert.False(rig.Pipeline.Say("again"));
        rig.Playback.HoldDrain.SetResult();
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(SessionEndReason.Nominal, ended.Reason);
        Assert.Equal(SessionTrigger.Say, (await rig.Log.WaitFor<SessionStartedEvent>()).Trigger);
        Assert.Equal(["Dinner is ready.", "Come down!"], rig.Tts.Sentences);
        Assert.DoesNotContain(rig.Log.Snapshot(), e => e is StateChangedEvent { To: PipelineState.Listening });
        Assert.Equal(0, rig.Vad.Calls);
    }

    [Fact]
    public async Task SayAsync_completes_when_spoken_and_is_false_when_busy_or_stopped()
    {
        await using var rig = new PipelineRig();
        Assert.True(await rig.Pipeline.SayAsync("Hello.", new Models.SynthesisOptions { Speaker = 3 }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(PipelineState.Idle, rig.Pipeline.State);

        rig.Playback.HoldDrain = new TaskCompletionSource();
        using var cts = new CancellationTokenSource();
        var saying = rig.Pipeline.SayAsync("A long announcement.", null, cts.Token);
        await rig.Log.WaitForState(PipelineState.Speaking, nth: 2);
        Assert.False(await rig.Pipeline.SayAsync("busy", null, CancellationToken.None));
        await cts.CancelAsync(); // the caller gave up: the announcement stops
        Assert.False(await saying.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(SessionEndReason.AbortedByUser, (await rig.Log.WaitFor<SessionEndedEvent>(nth: 2)).Reason);
    }

    [Fact]
    public async Task PlayAsync_plays_a_clip_as_its_own_session()
    {
        await using var rig = new PipelineRig();
        var clip = new float[8000];
        Assert.True(await rig.Pipeline.PlayAsync(clip, 16000, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(8000, rig.Playback.Writes.Single().Length);
        Assert.Equal(SessionTrigger.Play, (await rig.Log.WaitFor<SessionStartedEvent>()).Trigger);
        await rig.Log.WaitForState(PipelineState.Speaking); // the log fills from its subscription, asynchronously
        Assert.Equal(0, rig.Vad.Calls);
    }

    [Fact]
    public async Task Toggle_mute_and_release_ending_a_tap_turn()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.ToggleMute();
        Assert.Equal(PipelineState.Muted, rig.Pipeline.State);
        rig.Pipeline.ToggleMute();
        Assert.Equal(PipelineState.Idle, rig.Pipeline.State);

        rig.Pipeline.Listen(); // a hold-or-tap button starts with endpointing on...
        await rig.Feed(TestAudio.Speech(0.5));
        rig.Pipeline.ReleaseToTalk(); // ...and a long hold ends it on release
        Assert.Equal(UtteranceEnd.Released, (await rig.Log.WaitFor<TurnEndedEvent>()).Metrics.UtteranceEnd);
    }

    [Fact]
    public async Task Mute_aborts_the_session_ignores_triggers_and_unmute_returns_to_idle()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Tap();
        rig.Pipeline.Mute();
        Assert.Equal(SessionEndReason.AbortedByUser, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
        Assert.Equal(PipelineState.Muted, rig.Pipeline.State);

        rig.Pipeline.Tap();
        rig.Pipeline.PressToTalk();
        rig.Pipeline.Listen();
        Assert.False(rig.Pipeline.Say("hello"));
        await rig.Feed(TestAudio.Speech(1.0));
        Assert.Equal(PipelineState.Muted, rig.Pipeline.State);
        Assert.Equal(0, rig.Vad.Calls);

        rig.Pipeline.Unmute();
        Assert.Equal(PipelineState.Idle, rig.Pipeline.State);
        await rig.SpeakCommand();
        Assert.Equal(SessionEndReason.Nominal, (await rig.Log.WaitFor<SessionEndedEvent>(nth: 2)).Reason);
    }

    [Fact]
    public async Task Mute_from_idle_and_stop_from_idle()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Stop();
        Assert.Equal(PipelineState.Idle, rig.Pipeline.State);
        rig.Pipeline.Mute();
        Assert.Equal(PipelineState.Muted, rig.Pipeline.State);
        rig.Pipeline.Stop();
        Assert.Equal(PipelineState.Muted, rig.Pipeline.State);
        Assert.Empty(rig.Log.OfType<SessionEndedEvent>());
    }

    [Fact]
    public async Task Stop_while_speaking_cuts_playback_and_returns_to_idle()
    {
        await using var rig = new PipelineRig();
        rig.Playback.HoldDrain = new TaskCompletionSource();
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Speaking);
        rig.Pipeline.Stop();
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(SessionEndReason.AbortedByUser, ended.Reason);
        Assert.Equal(1, rig.Playback.Stops);
        Assert.True((await rig.Log.WaitFor<TurnEndedEvent>()).Interrupted);
        Assert.Equal(PipelineState.Idle, rig.Pipeline.State);
    }

    [Theory]
    [InlineData(PipelineState.Transcribing, BargeInMode.HardCut)]
    [InlineData(PipelineState.Thinking, BargeInMode.Disabled)]
    public async Task Triggers_while_transcribing_or_thinking_without_barge_in_are_ignored_and_stop_aborts(PipelineState busy, BargeInMode bargeIn)
    {
        var workflowGate = new TaskCompletionSource();
        var workflow = new DelegateWorkflow((_, ct) => Gated(workflowGate, ct));
        await using var rig = new PipelineRig(workflow, options: new PipelineOptions { BargeIn = new BargeInOptions { Mode = bargeIn } });
        if (busy == PipelineState.Transcribing)
        {
            rig.Stt.Gate = new TaskCompletionSource();
        }

        await rig.SpeakCommand();
        await rig.Log.WaitForState(busy);
        rig.Pipeline.Tap();
        rig.Pipeline.PressToTalk();
        rig.Pipeline.Listen();
        Assert.False(rig.Pipeline.Say("hi"));
        Assert.Equal(busy, rig.Pipeline.State);
        rig.Pipeline.Stop();
        Assert.Equal(SessionEndReason.AbortedByUser, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
        Assert.Equal(PipelineState.Idle, rig.Pipeline.State);
    }

    [Fact]
    public async Task A_tap_while_thinking_cancels_the_slow_answer_and_listens_again_in_the_same_session()
    {
        var firstGate = new TaskCompletionSource();
        var calls = 0;
        var firstCancelled = new TaskCompletionSource();
        var workflow = new DelegateWorkflow((_, ct) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                ct.Register(() => firstCancelled.TrySetResult());
                return Gated(firstGate, ct);
            }

            return Replies("Here is the second answer.");
        });
        await using var rig = new PipelineRig(workflow);
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Thinking);

        rig.Pipeline.Tap();
        Assert.Equal(PipelineState.Listening, rig.Pipeline.State);
        await firstCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, rig.Playback.Stops);
        var first = await rig.Log.WaitFor<TurnEndedEvent>();
        Assert.True(first.Interrupted);
        var second = await rig.Log.WaitFor<TurnStartedEvent>(nth: 2);
        Assert.True(second.BargeIn);
        Assert.Equal(first.SessionId, second.SessionId);

        await rig.Feed(TestAudio.Speech(1.0), TestAudio.Silence(1.0));
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(SessionEndReason.Nominal, ended.Reason);
        Assert.Equal(2, ended.Turns);
        Assert.Equal("Here is the second answer.", (await rig.Log.WaitFor<TurnEndedEvent>(nth: 2)).ReplyText);
    }

    [Fact]
    public async Task Mic_is_gated_while_speaking_without_echo_cancellation()
    {
        await using var rig = new PipelineRig();
        rig.Playback.HoldDrain = new TaskCompletionSource();
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Speaking);
        var calls = rig.Vad.Calls;
        await rig.Feed(TestAudio.Speech(2.0));
        Assert.Equal(calls, rig.Vad.Calls);
        Assert.Equal(PipelineState.Speaking, rig.Pipeline.State);
    }

    [Fact]
    public async Task Trigger_while_speaking_with_hard_cut_stops_playback_and_listens_in_the_same_session()
    {
        await using var rig = new PipelineRig();
        rig.Playback.HoldDrain = new TaskCompletionSource();
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Speaking);
        rig.Playback.PlayedPosition = TimeSpan.FromSeconds(0.12);
        rig.Pipeline.Tap();
        Assert.Equal(PipelineState.Listening, rig.Pipeline.State);
        Assert.Equal(1, rig.Playback.Stops);
        var first = await rig.Log.WaitFor<TurnEndedEvent>();
        Assert.True(first.Interrupted);
        Assert.Equal(TimeSpan.FromSeconds(0.12), first.Metrics.HeardBeforeBargeIn);
        var second = await rig.Log.WaitFor<TurnStartedEvent>(nth: 2);
        Assert.True(second.BargeIn);
        Assert.Equal(first.SessionId, second.SessionId);

        rig.Playback.HoldDrain = null;
        await rig.Feed(TestAudio.Speech(1.0), TestAudio.Silence(1.0));
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(SessionEndReason.Nominal, ended.Reason);
        Assert.Equal(2, ended.Turns);
    }

    [Fact]
    public async Task Trigger_while_speaking_with_barge_in_disabled_is_ignored()
    {
        await using var rig = new PipelineRig(options: new PipelineOptions { BargeIn = new BargeInOptions { Mode = BargeInMode.Disabled } });
        rig.Playback.HoldDrain = new TaskCompletionSource();
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Speaking);
        rig.Pipeline.Tap();
        Assert.Equal(PipelineState.Speaking, rig.Pipeline.State);
        Assert.Equal(0, rig.Playback.Stops);
        rig.Playback.HoldDrain.SetResult();
        Assert.Equal(SessionEndReason.Nominal, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
    }

    [Fact]
    public async Task Trigger_while_speaking_with_soft_fade_fades_instead_of_cutting()
    {
        await using var rig = new PipelineRig(options: new PipelineOptions { BargeIn = new BargeInOptions { Mode = BargeInMode.SoftFade } });
        rig.Playback.HoldDrain = new TaskCompletionSource();
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Speaking);
        rig.Pipeline.Tap();
        Assert.Equal(PipelineState.Listening, rig.Pipeline.State);
        await rig.Log.WaitFor<TurnStartedEvent>(nth: 2);
        Assert.Equal(1, rig.Playback.Fades);
    }

    [Fact]
    public async Task With_echo_cancellation_confirmed_speech_barges_in_and_seeds_the_utterance()
    {
        var options = new PipelineOptions { BargeIn = new BargeInOptions { Mode = BargeInMode.HardCut, EchoCancelled = true } };
        await using var rig = new PipelineRig(options: options);
        rig.Playback.HoldDrain = new TaskCompletionSource();
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Speaking);
        await rig.Feed(TestAudio.Speech(0.2));
        Assert.Equal(PipelineState.Speaking, rig.Pipeline.State);
        await rig.Feed(TestAudio.Speech(0.15));
        Assert.Equal(PipelineState.Listening, rig.Pipeline.State);
        Assert.Equal(1, rig.Playback.Stops);

        rig.Playback.HoldDrain = null;
        await rig.Feed(TestAudio.Speech(0.5), TestAudio.Silence(1.0));
        await rig.Log.WaitFor<SessionEndedEvent>();
        // the speech said over the reply (0.35 s) is part of the second utterance, with the 0.5 s after it
        Assert.InRange(rig.Stt.AudioLengths[1] / 16000.0, 0.35 + 0.5 + 0.7 - 0.05, 0.35 + 0.3 + 0.5 + 0.7 + 0.1);
    }

    [Fact]
    public async Task Soft_fade_resumes_the_reply_when_the_speech_stops_quickly()
    {
        var options = new PipelineOptions { BargeIn = new BargeInOptions { Mode = BargeInMode.SoftFade, EchoCancelled = true } };
        await using var rig = new PipelineRig(options: options);
        rig.Playback.HoldDrain = new TaskCompletionSource();
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Speaking);
        var writes = rig.Playback.WriteCount;
        await rig.Feed(TestAudio.Speech(0.1), TestAudio.Silence(1.0));
        Assert.Equal(PipelineState.Speaking, rig.Pipeline.State);
        await WaitUntil(() => rig.Playback.Fades == 1);
        // the unheard reply is written again after the resume
        await WaitUntil(() => rig.Playback.WriteCount > writes);
        rig.Playback.HoldDrain.SetResult();
        Assert.Equal(SessionEndReason.Nominal, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
    }

    [Fact]
    public async Task Soft_fade_barges_in_when_the_speech_is_confirmed()
    {
        var options = new PipelineOptions { BargeIn = new BargeInOptions { Mode = BargeInMode.SoftFade, EchoCancelled = true } };
        await using var rig = new PipelineRig(options: options);
        rig.Playback.HoldDrain = new TaskCompletionSource();
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Speaking);
        await rig.Feed(TestAudio.Speech(0.1));
        await WaitUntil(() => rig.Playback.Fades == 1);
        Assert.Equal(PipelineState.Speaking, rig.Pipeline.State);
        await rig.Feed(TestAudio.Speech(0.3));
        Assert.Equal(PipelineState.Listening, rig.Pipeline.State);
        Assert.True((await rig.Log.WaitFor<TurnStartedEvent>(nth: 2)).BargeIn);
    }

    [Fact]
    public void The_audio_loop_allocates_nothing_per_window_while_idle_or_listening()
    {
        var vad = new ScriptedVad();
        using var pipeline = new VoicePipeline(
            new PipelineEngines(new ScriptedCapture(), new RecordingPlayback(), vad, new FakeStt(), new ToneTts(), DelegateWorkflow.Reply("x")),
            new PipelineOptions());
        var silence = new float[TestAudio.Window];
        var speech = TestAudio.Speech(0.032);
        pipeline.ProcessWindow(silence);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            pipeline.ProcessWindow(silence);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        pipeline.PressToTalk();
        pipeline.ProcessWindow(speech);
        for (var i = 0; i < 20; i++)
        {
            pipeline.ProcessWindow(speech); // speech confirmed; the utterance buffer fills
        }

        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            pipeline.ProcessWindow(i % 2 == 0 ? speech : silence);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(PipelineState.Listening, pipeline.State);
        Assert.Equal(221, vad.Calls);
    }

    [Fact]
    public async Task Watchdog_ends_a_stuck_turn_and_the_next_session_works()
    {
        await using var rig = new PipelineRig();
        rig.Stt.Gate = new TaskCompletionSource();
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Transcribing);
        rig.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(PipelineState.Transcribing, rig.Pipeline.State);
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(SessionEndReason.Timeout, ended.Reason);
        Assert.Equal("watchdog", (await rig.Log.WaitFor<PipelineErrorEvent>()).Source);
        Assert.Equal(PipelineState.Idle, rig.Pipeline.State);

        rig.Stt.Gate = null;
        await rig.SpeakCommand();
        Assert.Equal(SessionEndReason.Nominal, (await rig.Log.WaitFor<SessionEndedEvent>(nth: 2)).Reason);
    }

    [Fact]
    public async Task Watchdog_ends_listening_when_the_microphone_stalls()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Tap();
        rig.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(SessionEndReason.Timeout, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
    }

    [Theory]
    [InlineData("stt")]
    [InlineData("workflow")]
    [InlineData("tts")]
    [InlineData("playback")]
    [InlineData("vad")]
    public async Task A_failing_engine_ends_the_session_with_error_and_the_next_session_works(string stage)
    {
        var failWorkflow = true;
        var workflow = new DelegateWorkflow((_, ct) => failWorkflow && stage == "workflow" ? Throwing(ct) : DelegateWorkflow.Pieces(["OK."], ct));
        await using var rig = new PipelineRig(workflow);
        var boom = new InvalidOperationException($"{stage} exploded");
        switch (stage)
        {
            case "stt": rig.Stt.Fail = boom; break;
            case "tts": rig.Tts.Fail = boom; break;
            case "playback": rig.Playback.Fail = boom; break;
            case "vad": rig.Vad.Fail = boom; break;
        }

        await rig.SpeakCommand();
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(SessionEndReason.Error, ended.Reason);
        var error = await rig.Log.WaitFor<PipelineErrorEvent>();
        Assert.Equal(stage, error.Source);
        Assert.Contains("exploded", error.Message, StringComparison.Ordinal);
        await rig.Log.WaitForState(PipelineState.Error);
        await WaitUntil(() => rig.Pipeline.State == PipelineState.Idle);

        rig.Stt.Fail = rig.Tts.Fail = rig.Playback.Fail = rig.Vad.Fail = null;
        failWorkflow = false;
        await rig.SpeakCommand();
        Assert.Equal(SessionEndReason.Nominal, (await rig.Log.WaitFor<SessionEndedEvent>(nth: 2)).Reason);
    }

    [Fact]
    public async Task A_failing_microphone_is_retried_after_the_backoff()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Tap();
        rig.Capture.FailNextRead(new IOException("device unplugged"));
        Assert.Equal("capture", (await rig.Log.WaitFor<PipelineErrorEvent>()).Source);
        Assert.Equal(SessionEndReason.Error, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
        await WaitUntil(() => rig.Pipeline.State == PipelineState.Error);
        rig.Time.Advance(TimeSpan.FromSeconds(0.5));
        await WaitUntil(() => rig.Pipeline.State == PipelineState.Idle);
        await rig.SpeakCommand();
        Assert.Equal(SessionEndReason.Nominal, (await rig.Log.WaitFor<SessionEndedEvent>(nth: 2)).Reason);
    }

    [Fact]
    public async Task A_lost_microphone_is_the_error_state_until_it_is_back_and_triggers_wait()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Tap();
        await rig.Log.WaitForState(PipelineState.Listening);
        rig.Pipeline.MicrophoneGone("mic", "No such device");
        var error = await rig.Log.WaitFor<PipelineErrorEvent>();
        Assert.Equal("capture", error.Source);
        Assert.Contains("No such device", error.Message, StringComparison.Ordinal);
        Assert.Equal(SessionEndReason.Error, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
        Assert.Equal(PipelineState.Error, rig.Pipeline.State);

        rig.Pipeline.MicrophoneGone("mic", "still gone"); // every failed reopen reports it; one error event per outage
        rig.Pipeline.Tap(); // ignored while the microphone is gone
        rig.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(PipelineState.Error, rig.Pipeline.State);
        Assert.Single(rig.Log.Snapshot().OfType<PipelineErrorEvent>());

        rig.Pipeline.MicrophoneBack("mic");
        var back = await rig.Log.WaitFor<StateChangedEvent>(e => e.From == PipelineState.Error && e.To == PipelineState.Idle);
        Assert.Equal(PipelineState.Idle, back.To);
        await rig.SpeakCommand();
        Assert.Equal(SessionEndReason.Nominal, (await rig.Log.WaitFor<SessionEndedEvent>(nth: 2)).Reason);
    }

    [Fact]
    public async Task A_microphone_failure_while_speaking_is_reported_and_the_reply_finishes()
    {
        await using var rig = new PipelineRig();
        rig.Playback.HoldDrain = new TaskCompletionSource();
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Speaking);
        rig.Capture.FailNextRead(new IOException("device unplugged"));
        Assert.Equal("capture", (await rig.Log.WaitFor<PipelineErrorEvent>()).Source);
        Assert.Equal(PipelineState.Speaking, rig.Pipeline.State);
        rig.Playback.HoldDrain.SetResult();
        Assert.Equal(SessionEndReason.Nominal, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
        rig.Time.Advance(TimeSpan.FromSeconds(0.5));
        await rig.SpeakCommand();
        Assert.Equal(SessionEndReason.Nominal, (await rig.Log.WaitFor<SessionEndedEvent>(nth: 2)).Reason);
    }

    [Fact]
    public async Task Follow_up_turn_listens_again_without_a_trigger()
    {
        var workflow = new DelegateWorkflow((turn, ct) =>
        {
            if (turn.TurnIndex == 0)
            {
                turn.ContinueSession();
                return DelegateWorkflow.Pieces(["Which room?"], ct);
            }

            turn.Intent = "LightOn";
            return DelegateWorkflow.Pieces(["Done."], ct);
        });
        await using var rig = new PipelineRig(workflow);
        await rig.SpeakCommand();
        await rig.Log.WaitFor<TurnStartedEvent>(nth: 2);
        await WaitUntil(() => rig.Pipeline.State == PipelineState.Listening);
        rig.Stt.Text = _ => "kitchen";
        await rig.Feed(TestAudio.Speech(0.6), TestAudio.Silence(1.0));
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(SessionEndReason.Nominal, ended.Reason);
        Assert.Equal(2, ended.Turns);
        Assert.Equal("LightOn", (await rig.Log.WaitFor<TurnEndedEvent>(nth: 2)).Intent);
        Assert.Equal(["turn on the light", "kitchen"], ((DelegateWorkflow)rig.Workflow).Transcripts);
    }

    [Fact]
    public async Task Follow_up_with_no_answer_ends_the_session()
    {
        var workflow = new DelegateWorkflow((turn, ct) =>
        {
            turn.ContinueSession();
            return DelegateWorkflow.Pieces(["Anything else?"], ct);
        });
        await using var rig = new PipelineRig(workflow);
        await rig.SpeakCommand();
        await rig.Log.WaitFor<TurnStartedEvent>(nth: 2);
        await rig.Feed(TestAudio.Silence(5.2));
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(2, ended.Turns);
        Assert.Equal(SessionEndReason.Nominal, ended.Reason);
    }

    [Fact]
    public async Task Unrecognised_intent_ends_with_intent_not_recognized_after_the_fallback()
    {
        var workflow = new DelegateWorkflow((turn, ct) =>
        {
            turn.ReportIntentNotRecognized();
            return DelegateWorkflow.Pieces(["Sorry, I did not understand."], ct);
        });
        await using var rig = new PipelineRig(workflow);
        await rig.SpeakCommand();
        Assert.Equal(SessionEndReason.IntentNotRecognized, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
        Assert.Equal(["Sorry, I did not understand."], rig.Tts.Sentences);
    }

    [Fact]
    public async Task Confirmed_speech_without_words_goes_to_the_workflow_as_not_understood()
    {
        // A grammar recogniser rejecting speech outside its commands returns no words: that is "not understood"
        // (fallback spoken), not "no speech".
        var workflow = new DelegateWorkflow((turn, ct) =>
        {
            Assert.Equal(string.Empty, turn.Transcript);
            turn.ReportIntentNotRecognized();
            return DelegateWorkflow.Pieces(["Sorry, I did not understand."], ct);
        });
        await using var rig = new PipelineRig(workflow);
        rig.Stt.Text = _ => string.Empty;
        rig.Pipeline.Tap();
        await rig.Feed(TestAudio.Speech(1.2), TestAudio.Silence(1.0));
        Assert.Equal(SessionEndReason.IntentNotRecognized, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
        Assert.Equal(["Sorry, I did not understand."], rig.Tts.Sentences);
    }

    [Fact]
    public async Task A_blip_of_speech_without_words_is_no_speech()
    {
        await using var rig = new PipelineRig();
        rig.Stt.Text = _ => string.Empty;
        rig.Pipeline.Tap();
        await rig.Feed(TestAudio.Speech(0.35), TestAudio.Silence(1.0));
        var ended = await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(SessionEndReason.NoSpeech, ended.Reason);
        Assert.Empty(rig.Tts.Sentences);
    }

    [Fact]
    public async Task First_sentence_plays_while_the_workflow_is_still_generating()
    {
        var more = new TaskCompletionSource();
        var workflow = new DelegateWorkflow((_, ct) => Slow(more, ct));
        await using var rig = new PipelineRig(workflow);
        await rig.SpeakCommand();
        await rig.Playback.FirstWrite.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await rig.Log.WaitForState(PipelineState.Speaking);
        Assert.Equal(["It is sunny."], rig.Tts.Sentences);
        more.SetResult();
        await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(["It is sunny.", "Tomorrow it rains.", "Take an umbrella"], rig.Tts.Sentences);
        Assert.Equal("It is sunny. Tomorrow it rains. Take an umbrella", (await rig.Log.WaitFor<TurnEndedEvent>()).ReplyText);

        static async IAsyncEnumerable<string> Slow(TaskCompletionSource more, [EnumeratorCancellation] CancellationToken ct)
        {
            yield return "It is ";
            yield return "sunny. Tomor";
            await more.Task.WaitAsync(ct);
            yield return "row it rains. Take an umbrella";
        }
    }

    [Fact]
    public async Task Barge_in_cancels_the_workflow_still_generating()
    {
        var cancelled = new TaskCompletionSource();
        var workflow = new DelegateWorkflow((_, ct) => Endless(cancelled, ct));
        await using var rig = new PipelineRig(workflow);
        await rig.SpeakCommand();
        await rig.Log.WaitForState(PipelineState.Speaking);
        rig.Pipeline.Tap();
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(PipelineState.Listening, rig.Pipeline.State);

        static async IAsyncEnumerable<string> Endless(TaskCompletionSource cancelled, [EnumeratorCancellation] CancellationToken ct)
        {
            yield return "First sentence. ";
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                cancelled.TrySetResult();
            }

            yield return "never";
        }
    }

    [Fact]
    public async Task Source_end_finishes_the_session_then_run_returns()
    {
        await using var rig = new PipelineRig();
        rig.Pipeline.Tap();
        rig.Capture.Enqueue(TestAudio.Speech(1.0));
        rig.Capture.Complete();
        await rig.Loop.WaitAsync(TimeSpan.FromSeconds(10));
        var turn = await rig.Log.WaitFor<TurnEndedEvent>();
        Assert.Equal(UtteranceEnd.SourceEnded, turn.Metrics.UtteranceEnd);
        Assert.Equal(SessionEndReason.Nominal, (await rig.Log.WaitFor<SessionEndedEvent>()).Reason);
    }

    [Fact]
    public async Task Dropped_audio_is_reported_per_turn()
    {
        await using var rig = new PipelineRig();
        rig.Capture.DroppedSamples = 1600;
        rig.Pipeline.Tap();
        await rig.Feed(TestAudio.Speech(1.0), TestAudio.Silence(1.0));
        var turn = await rig.Log.WaitFor<TurnEndedEvent>();
        Assert.Equal(TimeSpan.Zero, turn.Metrics.DroppedAudio);

        rig.Pipeline.Tap();
        await rig.Feed(TestAudio.Speech(0.5));
        rig.Capture.DroppedSamples = 1600 + 8000;
        await rig.Feed(TestAudio.Silence(1.0));
        var second = await rig.Log.WaitFor<TurnEndedEvent>(nth: 2);
        Assert.Equal(TimeSpan.FromSeconds(0.5), second.Metrics.DroppedAudio);
    }

    [Fact]
    public async Task Workflow_may_mute_after_the_reply_and_set_the_volume()
    {
        var workflow = new DelegateWorkflow((turn, ct) =>
        {
            turn.Appliance.Volume = 80;
            turn.Appliance.MuteAfterReply();
            return DelegateWorkflow.Pieces(["Muting."], ct);
        });
        await using var rig = new PipelineRig(workflow);
        await rig.SpeakCommand();
        await rig.Log.WaitFor<SessionEndedEvent>();
        await WaitUntil(() => rig.Pipeline.State == PipelineState.Muted);
        Assert.Equal(80, rig.Playback.Volume);
    }

    [Fact]
    public void Engines_at_the_wrong_rate_are_refused_with_the_fix()
    {
        var vad = new WrongRateVad();
        var ex = Assert.Throws<ArgumentException>(() => new VoicePipeline(
            new PipelineEngines(new ScriptedCapture(), new RecordingPlayback(), vad, new FakeStt(), new ToneTts(), DelegateWorkflow.Reply("x")),
            new PipelineOptions()));
        Assert.Contains("8000 Hz", ex.Message, StringComparison.Ordinal);
        Assert.Contains("resample", ex.Message, StringComparison.Ordinal);
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not reached");
            }

            await Task.Delay(5);
        }
    }

    private static async IAsyncEnumerable<string> Gated(TaskCompletionSource gate, [EnumeratorCancellation] CancellationToken ct)
    {
        await gate.Task.WaitAsync(ct);
        yield return "late";
    }

    private static async IAsyncEnumerable<string> Replies(string text)
    {
        await Task.Yield();
        yield return text;
    }

    private static async IAsyncEnumerable<string> Throwing([EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        ct.ThrowIfCancellationRequested();
        throw new InvalidOperationException("workflow exploded");
#pragma warning disable CS0162 // an iterator needs a yield
        yield break;
#pragma warning restore CS0162
    }

    private sealed class WrongRateVad : Models.IVoiceActivityDetector
    {
        public int SampleRate => 8000;

        public int WindowSamples => 256;

        public float Process(ReadOnlySpan<float> window) => 0;

        public void Reset()
        {
        }

        public void Dispose()
        {
        }
    }
}
