using System.Text;
using VoiceAppliance.Models;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Pipeline;

/// <summary>Speculation while the user pauses or still speaks: the guess, the early endpoint, the pause extension and the prefetched reply.</summary>
internal sealed partial class TurnRunner
{
    /// <summary>
    /// Answering before the silence window ends: the front end calls this when the user has paused after speech for
    /// <see cref="EarlyEndpointOptions.Pause"/> (<see cref="AudioFrontEnd"/>), with the utterance so far, whose last
    /// <paramref name="trailingSilence"/> samples the VAD heard as silence. With
    /// <see cref="EarlyEndpointOptions.Enabled"/> and an engine that <see cref="ISpeechToText.TranscribesSpeculatively"/>,
    /// a copy of it is transcribed in the background (<see cref="Speculation"/>, kept in <see cref="PipelineTurn.Speculation"/>);
    /// the front end cancels it when the user speaks again, the controller keeps it when the silence ends the utterance.
    /// Allocates (the copy, the decode) once per pause, never per window.
    /// </summary>
    public void SpeculateOnPauseLocked(PipelineTurn turn, ReadOnlyMemory<float> utteranceSoFar, int trailingSilence)
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
        var speculation = turn.Speculation = Speculation.Start(stt, utteranceSoFar, trailingSilence, turn, _c);
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
    /// What the pause's guess means (<see cref="PauseGuessJudgement.Judge"/>): an early endpoint when it is an accepted,
    /// confident command nothing can continue and the user is still silent (the speculation is still the turn's), so
    /// the listening ends now instead of at the end of the silence window; a longer pause when it is unfinished or may
    /// continue; otherwise the window. An accepted guess also starts the reply's prefetch. A guess that came to nothing
    /// (it failed) is the window too. When the window ran out before the verdict came (a loaded machine), the front end
    /// held the pause for it (<see cref="AudioFrontEnd"/>); a verdict of the window then ends the utterance at once.
    /// </summary>
    private async Task EndEarlyIfCompleteAsync(PipelineTurn turn, Speculation speculation)
    {
        var guess = await speculation.Result.ConfigureAwait(false);
        var verdict = PauseVerdict.Window;
        if (guess is not null)
        {
            if (guess.Text.Length > 0)
            {
                PrefetchReply(turn, speculation, guess.Text);
            }

            try
            {
                verdict = PauseGuessJudgement.Judge(guess, _c.Options.EarlyEndpoint, _c.Engines.Workflow.Completeness);
                PipelineLog.PauseGuessJudged(_c.Logger, turn.Session.Id, guess.Text, guess.Confidence, guess.Unfinished, guess.SttTime.TotalMilliseconds, verdict);
                if (guess.SpokenPrefix is { } spoken)
                {
                    PipelineLog.ForcedLastWord(_c.Logger, turn.Session.Id, spoken, verdict);
                }
            }
            catch (Exception ex)
            {
                PipelineLog.SpeculationFailed(_c.Logger, ex, turn.Session.Id);
            }
        }

        lock (_c.Gate)
        {
            speculation.Judged = true;
            if (!_c.IsCurrent(turn) || !ReferenceEquals(turn.Speculation, speculation) || _c.Machine.State != PipelineState.Listening || turn.Ended)
            {
                // The user spoke again, or the turn ended another way: this guess decides nothing.
                return;
            }

            switch (verdict)
            {
                case PauseVerdict.Unfinished:
                    // Stopped mid-command ("set a timer for ..."): let this pause run longer before it ends the utterance.
                    ExtendPauseLocked(turn, _c.Options.EarlyEndpoint.UnfinishedSilence);
                    break;
                case PauseVerdict.Continuable:
                    // A command that may go on ("set the volume to forty" ... "five percent"): a longer pause before it ends.
                    ExtendPauseLocked(turn, _c.Options.EarlyEndpoint.ContinuableSilence);
                    break;
                case PauseVerdict.EndNow:
                    PipelineLog.EarlyEndpoint(_c.Logger, turn.Session.Id, guess!.Text, guess.Confidence);
                    _c.EndListeningLocked(turn, UtteranceEnd.EarlyEndpoint);
                    return;
                default:
                    break;
            }

            if (_c.FrontEnd.ReleasePauseLocked())
            {
                // The window ran out while the guess was out, and the verdict gives no more time: the silence ends it now.
                _c.EndListeningLocked(turn, UtteranceEnd.Silence);
            }
        }
    }

    /// <summary>Lets the current pause of <paramref name="turn"/> last up to <paramref name="silence"/> (never less than the window).</summary>
    private void ExtendPauseLocked(PipelineTurn turn, TimeSpan silence)
    {
        if (silence > _c.Options.Endpointing.SilenceToEnd)
        {
            _c.FrontEnd.ExtendPauseLocked(silence);
            turn.PauseExtended = true;
            PipelineLog.PauseExtended(_c.Logger, turn.Session.Id, silence.TotalMilliseconds);
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
}
