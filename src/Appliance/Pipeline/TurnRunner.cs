using System.Text;
using VoiceAppliance.Models;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Runs the work of one turn off the audio path and outside the lock: speech to text -> workflow -> streamed reply
/// (<see cref="ReplyStreamer"/>), or a say/play request. Everything observes the turn's cancellation (barge-in, stop,
/// mute, the watchdog); after each await it asks the controller whether the turn is still current before it changes
/// anything. Engines come from <see cref="ProviderSelector"/>.
/// </summary>
internal sealed class TurnRunner(SessionController controller, ProviderSelector providers, IApplianceControl appliance)
{
    private readonly SessionController _c = controller;

    /// <summary>
    /// The user's utterance is complete: run the turn. Seam for a realtime speech-to-speech session: a provider that
    /// takes audio and answers with audio would replace <see cref="RunCascadeAsync"/> (STT -> workflow -> TTS) here,
    /// reporting through the same controller calls (transcript, first audio, finish).
    /// </summary>
    /// <param name="turn">The turn.</param>
    /// <param name="utterance">The whole utterance.</param>
    /// <param name="speculation">
    /// A speculative transcription of the same speech (the silence ended the utterance with no new speech since it
    /// started): its guess is the transcript, with no second decode. Null: transcribe <paramref name="utterance"/>.
    /// </param>
    public void StartUserTurn(PipelineTurn turn, ReadOnlyMemory<float> utterance, Speculation? speculation = null)
    {
        if (_c.Engines.Realtime is { } realtime && !turn.Session.RealtimeOff)
        {
            speculation?.Cancel(); // the realtime model hears the audio itself
            Start(turn, () => RunRealtimeAsync(realtime, turn, utterance));
            return;
        }

        Start(turn, () => RunCascadeAsync(turn, utterance, speculation));
    }

    /// <summary>
    /// A realtime turn (<see cref="IRealtimeSpeech"/>): the utterance goes up, the answer's audio is played as it
    /// arrives. A failure before any of the answer was heard answers this turn on the local path; after, the turn ends
    /// with what was heard. Either way the session's remaining turns take the local path, and the turn reports it
    /// (<c>provider</c>, <c>fallback_reason</c>).
    /// </summary>
    private async Task RunRealtimeAsync(IRealtimeSpeech realtime, PipelineTurn turn, ReadOnlyMemory<float> audio)
    {
        var token = turn.ReplyCts.Token;
        RealtimeTurnSink sink;
        lock (_c.Gate)
        {
            if (!_c.IsCurrent(turn))
            {
                return;
            }

            sink = turn.Realtime = new RealtimeTurnSink(_c, turn, audio, appliance, realtime.Name);
        }

        RealtimeReply reply;
        try
        {
            reply = await realtime.RespondAsync(turn.Session.Id, audio, _c.SampleRate, sink, token).ConfigureAwait(false);
            if (reply.FailureReason is { } reason)
            {
                PipelineLog.RealtimeFellBack(_c.Logger, turn.Session.Id, realtime.Name, reason, sink.AudioStarted);
                turn.Session.RealtimeOff = true;
                if (!sink.AudioStarted)
                {
                    lock (_c.Gate)
                    {
                        if (!_c.IsCurrent(turn))
                        {
                            return;
                        }

                        turn.Realtime = null;
                        turn.Providers.FellBack("realtime", realtime.Name, "local", reason);
                    }

                    await RunCascadeAsync(turn, audio, speculation: null).ConfigureAwait(false);
                    return;
                }

                turn.Providers.Problem("realtime", realtime.Name, reason + " mid-answer -> local for the next turns");
            }
            else
            {
                turn.Providers.Used("realtime", realtime.Name);
            }

            if (sink.AudioStarted)
            {
                await _c.Engines.Playback.DrainAsync(token).ConfigureAwait(false);
            }

            lock (_c.Gate)
            {
                if (_c.IsCurrent(turn))
                {
                    if (!sink.AudioStarted && _c.Machine.State == PipelineState.Transcribing)
                    {
                        _c.Machine.TransitionTo(PipelineState.Thinking); // an answer with no audio: Thinking -> the end
                    }

                    _c.FinishReplyLocked(turn, new ReplyResult(reply.Text, TimeSpan.Zero, reply.Audio, sink.Writes), sink.Workflow);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Barge-in, stop, mute or the watchdog took over; the provider cancelled and truncated the answer.
        }
        catch (Exception ex)
        {
            Fail(turn, ex, PipelineErrorSource.Workflow);
        }
    }

    /// <summary>
    /// Answering before the silence window ends: the front end calls this when the user has paused after speech for
    /// <see cref="EarlyEndpointOptions.Pause"/> (<see cref="AudioFrontEnd"/>), with the utterance so far. With
    /// <see cref="EarlyEndpointOptions.Enabled"/> and an engine that <see cref="ISpeechToText.TranscribesSpeculatively"/>,
    /// a copy of it is transcribed in the background (<see cref="Speculation"/>, kept in <see cref="PipelineTurn.Speculation"/>);
    /// the front end cancels it when the user speaks again, the controller keeps it when the silence ends the utterance.
    /// Allocates (the copy, the decode) once per pause, never per window.
    /// </summary>
    public void SpeculateOnPauseLocked(PipelineTurn turn, ReadOnlyMemory<float> utteranceSoFar)
    {
        if (!_c.Options.EarlyEndpoint.Enabled || turn.Hold || (_c.Engines.Realtime is not null && !turn.Session.RealtimeOff))
        {
            // A realtime turn is heard by the realtime model: the local engine's guess neither ends nor extends it.
            return;
        }

        if (turn.Incremental is { } incremental)
        {
            // Whisper: the guess decodes only the tail after the last window committed while the user spoke. It is
            // the transcript when the silence ends the utterance; no early endpoint or pause extension (those read
            // the grammar's judgement of a command).
            turn.Speculation?.Cancel();
            turn.Speculation = Speculation.StartTail(incremental, utteranceSoFar, turn, _c);
            return;
        }

        var stt = providers.SpeechToText();
        if (!stt.TranscribesSpeculatively)
        {
            return;
        }

        turn.Speculation?.Cancel();
        var speculation = turn.Speculation = Speculation.Start(stt, utteranceSoFar, turn, _c);
        _ = EndEarlyIfCompleteAsync(turn, speculation);
    }

    /// <summary>
    /// The user is still speaking (a window of confirmed speech was appended): with an engine that transcribes
    /// incrementally (whisper) and <see cref="SpeculationOptions.Incremental"/> on, the turn's
    /// <see cref="IncrementalTranscript"/> (made on its first speech window) commits a window in the background when
    /// one is due. <paramref name="pauseMiddle"/> is the middle of the latest VAD pause inside the speech (-1: none).
    /// On the audio thread under the lock: a check per window, a copy per committed window, no decode.
    /// </summary>
    public void OnSpeechLocked(PipelineTurn turn, float[] utterance, int length, int pauseMiddle)
    {
        if (turn.Incremental is null)
        {
            if (turn.IncrementalChecked)
            {
                return;
            }

            turn.IncrementalChecked = true;
            var speculation = _c.Options.Speculation;
            if (!speculation.IncrementalOn(Environment.ProcessorCount) || providers.SpeechToText() is not IIncrementalSpeechToText stt)
            {
                return;
            }

            turn.Incremental = new IncrementalTranscript(stt, speculation, speculation.ThreadsFor(Environment.ProcessorCount), _c.Logger, turn.Session.Id, turn.ReplyCts.Token);
        }

        turn.Incremental.OnSpeechLocked(utterance, length, pauseMiddle);
    }

    /// <summary>
    /// Early endpoint: when the guess is accepted (the engine yielded words), confident (at least
    /// <see cref="EarlyEndpointOptions.MinConfidence"/>) and a command nothing can continue
    /// (<see cref="CompletenessKind.CompleteFinal"/>), and the user is still silent (the speculation is still the
    /// turn's), the listening ends now instead of at the end of the silence window. Anything else waits.
    /// </summary>
    private async Task EndEarlyIfCompleteAsync(PipelineTurn turn, Speculation speculation)
    {
        var guess = await speculation.Result.ConfigureAwait(false);
        if (guess is { Unfinished: true })
        {
            // Stopped mid-command ("set a timer for ..."): let this pause run longer before it ends the utterance.
            ExtendPause(turn, speculation, _c.Options.EarlyEndpoint.UnfinishedSilence);
            return;
        }

        if (guess is null || guess.Text.Length == 0)
        {
            return;
        }

        PrefetchReply(turn, speculation, guess.Text);
        if (guess.Confidence < _c.Options.EarlyEndpoint.MinConfidence)
        {
            return;
        }

        CompletenessKind completeness;
        try
        {
            completeness = _c.Engines.Workflow.Completeness(guess.Text);
        }
        catch (Exception ex)
        {
            PipelineLog.SpeculationFailed(_c.Logger, ex, turn.Session.Id);
            return;
        }

        if (completeness == CompletenessKind.CompleteCanContinue)
        {
            // A command that may go on ("set the volume to forty" ... "five percent"): a longer pause before it ends.
            ExtendPause(turn, speculation, _c.Options.EarlyEndpoint.ContinuableSilence);
            return;
        }

        if (completeness != CompletenessKind.CompleteFinal || _c.Options.EarlyEndpoint.MinConfidence >= 1f)
        {
            // MinConfidence 1 never ends early (a confidence is clamped to 1, so it cannot be a threshold to pass).
            return;
        }

        lock (_c.Gate)
        {
            if (_c.IsCurrent(turn) && ReferenceEquals(turn.Speculation, speculation) && _c.Machine.State == PipelineState.Listening && !turn.Ended)
            {
                PipelineLog.EarlyEndpoint(_c.Logger, turn.Session.Id, guess.Text, guess.Confidence);
                _c.EndListeningLocked(turn, UtteranceEnd.EarlyEndpoint);
            }
        }
    }

    /// <summary>Lets the current pause of <paramref name="turn"/> last up to <paramref name="silence"/> while the guess is still its own.</summary>
    private void ExtendPause(PipelineTurn turn, Speculation speculation, TimeSpan silence)
    {
        lock (_c.Gate)
        {
            if (_c.IsCurrent(turn) && ReferenceEquals(turn.Speculation, speculation) && _c.Machine.State == PipelineState.Listening && !turn.Ended
                && silence > _c.Options.Endpointing.SilenceToEnd)
            {
                _c.FrontEnd.ExtendPauseLocked(silence);
                turn.PauseExtended = true;
                PipelineLog.PauseExtended(_c.Logger, turn.Session.Id, silence.TotalMilliseconds);
            }
        }
    }

    /// <summary>
    /// The guess is an accepted transcript: if the workflow can preview its reply, synthesise the reply's first
    /// sentence now (<see cref="SpeechPrefetch"/>), while the silence window runs or the workflow's actions run.
    /// </summary>
    private void PrefetchReply(PipelineTurn turn, Speculation speculation, string transcript)
    {
        string? preview;
        try
        {
            preview = _c.Engines.Workflow.PreviewReply(transcript);
        }
        catch (Exception ex)
        {
            PipelineLog.SpeculationFailed(_c.Logger, ex, turn.Session.Id);
            return;
        }

        var sentences = string.IsNullOrWhiteSpace(preview) ? [] : Models.Text.SentenceSplitter.Split(preview);
        if (sentences.Count == 0)
        {
            return;
        }

        lock (_c.Gate)
        {
            if (_c.IsCurrent(turn) && ReferenceEquals(turn.Speculation, speculation) && !turn.Ended && turn.Prefetch is null)
            {
                if (providers.TextToSpeechForPrefetch() is { } voice)
                {
                    turn.Prefetch = SpeechPrefetch.Start(voice, sentences[0], turn.ReplyCts.Token);
                }
            }
        }
    }

    /// <summary>Speaks <paramref name="text"/> in a say session's turn.</summary>
    public void StartSay(PipelineTurn turn, string text, SynthesisOptions? options) => Start(turn, () => RunSayAsync(turn, text, options));

    /// <summary>Plays a clip in a play session's turn.</summary>
    public void StartPlay(PipelineTurn turn, ReadOnlyMemory<float> samples, int sampleRate) => Start(turn, () => RunClipAsync(turn, samples, sampleRate));

    private void Start(PipelineTurn turn, Func<Task> work)
    {
        _c.Heartbeat.WorkStarted(turn);
        _ = Task.Run(async () =>
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            finally
            {
                _c.Heartbeat.WorkEnded(turn);
            }
        });
    }

    private async Task RunCascadeAsync(PipelineTurn turn, ReadOnlyMemory<float> audio, Speculation? speculation)
    {
        var token = turn.ReplyCts.Token;
        var stage = PipelineErrorSource.Stt;
        try
        {
            var stt = providers.SpeechToText(turn);
            string transcript;
            if (speculation is not null && await speculation.Result.ConfigureAwait(false) is { } guess)
            {
                // The speech is the one already transcribed in the pause: the guess is the transcript.
                transcript = guess.Text;
                turn.SttTime = guess.SttTime;
                turn.SpeculativeTranscript = true;
                turn.IncrementalResult = guess.Incremental;
            }
            else if (turn.Incremental is { } incremental)
            {
                // Whisper with incremental speculation: only the tail after the last committed window is left.
                token.ThrowIfCancellationRequested();
                var heard = await incremental.TranscribeTailAsync(audio, token).ConfigureAwait(false);
                transcript = heard.Text;
                turn.SttTime = heard.TailTime;
                turn.IncrementalResult = heard;
            }
            else
            {
                token.ThrowIfCancellationRequested();
                transcript = await TranscribeAsync(stt, turn, audio, token).ConfigureAwait(false);
            }

            turn.Incremental?.Dispose(); // nothing is decoded for this utterance any more

            WorkflowTurn? workflowTurn;
            ReplyStreamer streamer;
            lock (_c.Gate)
            {
                workflowTurn = _c.OnFinalTranscriptLocked(turn, transcript, audio, appliance, stt.Name);
                if (workflowTurn is null)
                {
                    return;
                }

                var tts = providers.TextToSpeech(turn);
                if (turn.SpeculativeTranscript && turn.Prefetch is { } prefetch)
                {
                    // The reply may start with the sentence synthesised while the turn was unconfirmed.
                    tts = turn.PrefetchingVoice = new PrefetchingTextToSpeech(tts, prefetch);
                }

                streamer = turn.Streamer = new ReplyStreamer(tts, _c.Engines.Playback, _c.Time);
            }

            stage = PipelineErrorSource.Workflow;
            var pieces = _c.Engines.Workflow.RespondAsync(workflowTurn, token);
            var result = await streamer.RunAsync(pieces, new Observer(_c, turn), token).ConfigureAwait(false);
            lock (_c.Gate)
            {
                if (_c.IsCurrent(turn))
                {
                    _c.FinishReplyLocked(turn, result, workflowTurn);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Barge-in, stop, mute or the watchdog took over; they already moved the state on.
        }
        catch (Exception ex)
        {
            Fail(turn, ex, stage);
        }
    }

    private async Task RunSayAsync(PipelineTurn turn, string text, SynthesisOptions? options)
    {
        var token = turn.ReplyCts.Token;
        try
        {
            ReplyStreamer streamer;
            lock (_c.Gate)
            {
                if (!_c.IsCurrent(turn))
                {
                    return;
                }

                streamer = turn.Streamer = new ReplyStreamer(providers.TextToSpeech(turn), _c.Engines.Playback, _c.Time, options);
            }

            var result = await streamer.RunAsync(Once(text), new Observer(_c, turn), token).ConfigureAwait(false);
            lock (_c.Gate)
            {
                if (_c.IsCurrent(turn))
                {
                    _c.FinishReplyLocked(turn, result, workflowTurn: null);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Fail(turn, ex, PipelineErrorSource.Tts);
        }
    }

    private async Task RunClipAsync(PipelineTurn turn, ReadOnlyMemory<float> samples, int sampleRate)
    {
        var token = turn.ReplyCts.Token;
        var playback = _c.Engines.Playback;
        try
        {
            lock (_c.Gate)
            {
                if (!_c.IsCurrent(turn))
                {
                    return;
                }

                _c.Machine.TransitionTo(PipelineState.Speaking);
                _c.Watchdog.ArmLocked();
            }

            await playback.WriteAsync(samples, sampleRate, token).ConfigureAwait(false);
            lock (_c.Gate)
            {
                _c.Metrics.FirstAudio(turn);
                _c.Watchdog.ArmLocked();
            }

            await playback.DrainAsync(token).ConfigureAwait(false);
            lock (_c.Gate)
            {
                if (_c.IsCurrent(turn))
                {
                    _c.FinishReplyLocked(turn, new ReplyResult(string.Empty, TimeSpan.Zero, TimeSpan.Zero, 1), workflowTurn: null);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Fail(turn, ex, PipelineErrorSource.Playback);
        }
    }

    private void Fail(PipelineTurn turn, Exception ex, string stage)
    {
        var failedStage = ex is PipelineStageException s ? s.Stage : stage;
        var cause = ex is PipelineStageException { InnerException: { } inner } ? inner : ex;
        PipelineLog.StageFailed(_c.Logger, cause, failedStage);
        lock (_c.Gate)
        {
            if (_c.IsCurrent(turn))
            {
                _c.FailLocked(failedStage, cause, stayInError: false);
            }
        }
    }

    private static async IAsyncEnumerable<string> Once(string text)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return text;
    }

    private async Task<string> TranscribeAsync(ISpeechToText stt, PipelineTurn turn, ReadOnlyMemory<float> audio, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var started = _c.Time.GetTimestamp();
        await foreach (var segment in stt.TranscribeAsync(audio, cancellationToken).ConfigureAwait(false))
        {
            var piece = segment.Text.Trim();
            if (piece.Length == 0)
            {
                continue;
            }

            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(piece);
            lock (_c.Gate)
            {
                if (!_c.IsCurrent(turn))
                {
                    break;
                }

                _c.Events.Publish(new TranscriptEvent(turn.Index, text.ToString(), IsFinal: false, stt.Name) { SessionId = turn.Session.Id });
                _c.Watchdog.ArmLocked();
            }
        }

        turn.SttTime = _c.Time.GetElapsedTime(started);
        return text.ToString();
    }

    /// <summary>The reply's progress, reported to the controller (states, metrics, watchdog).</summary>
    private sealed class Observer(SessionController c, PipelineTurn turn) : IReplyObserver
    {
        public void OnFirstText()
        {
            lock (c.Gate)
            {
                c.Metrics.FirstReplyText(turn);
                c.Watchdog.ArmLocked();
            }
        }

        public void OnFirstAudio()
        {
            lock (c.Gate)
            {
                if (c.IsCurrent(turn) && c.Machine.State == PipelineState.Thinking)
                {
                    c.Machine.TransitionTo(PipelineState.Speaking);
                    c.BargeIn.ResetLocked();
                    c.Watchdog.ArmLocked();
                }
            }
        }

        public void OnChunkPlayed(bool first)
        {
            lock (c.Gate)
            {
                if (first)
                {
                    c.Metrics.FirstAudio(turn);
                }

                if (c.IsCurrent(turn))
                {
                    c.Watchdog.ArmLocked();
                }
            }
        }
    }
}
