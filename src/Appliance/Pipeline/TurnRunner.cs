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
internal sealed partial class TurnRunner(SessionController controller, ProviderSelector providers, IApplianceControl appliance)
{
    private readonly SessionController _c = controller;

    /// <summary>
    /// The user's utterance is complete: run the turn. The seam of the realtime speech-to-speech mode: with
    /// <see cref="PipelineEngines.Realtime"/> (and the session not fallen back to local), the turn goes to
    /// <see cref="RunRealtimeAsync"/> (TurnRunner.Realtime.cs) instead of <see cref="RunCascadeAsync"/> (STT -> workflow
    /// -> TTS); both report through the same controller calls (transcript, first audio, finish).
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
            if (!TranscriptPieces.Append(text, segment.Text))
            {
                continue;
            }

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
