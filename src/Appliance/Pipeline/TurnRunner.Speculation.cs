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
    /// continue; otherwise the window. An accepted guess also starts the reply's prefetch.
    /// </summary>
    private async Task EndEarlyIfCompleteAsync(PipelineTurn turn, Speculation speculation)
    {
        var guess = await speculation.Result.ConfigureAwait(false);
        if (guess is null)
        {
            return;
        }

        if (guess.Text.Length > 0)
        {
            PrefetchReply(turn, speculation, guess.Text);
        }

        PauseVerdict verdict;
        try
        {
            verdict = PauseGuessJudgement.Judge(guess, _c.Options.EarlyEndpoint, _c.Engines.Workflow.Completeness);
        }
        catch (Exception ex)
        {
            PipelineLog.SpeculationFailed(_c.Logger, ex, turn.Session.Id);
            return;
        }

        if (guess.SpokenPrefix is { } spoken)
        {
            PipelineLog.ForcedLastWord(_c.Logger, turn.Session.Id, spoken, verdict);
        }

        switch (verdict)
        {
            case PauseVerdict.Unfinished:
                // Stopped mid-command ("set a timer for ..."): let this pause run longer before it ends the utterance.
                ExtendPause(turn, speculation, _c.Options.EarlyEndpoint.UnfinishedSilence);
                return;
            case PauseVerdict.Continuable:
                // A command that may go on ("set the volume to forty" ... "five percent"): a longer pause before it ends.
                ExtendPause(turn, speculation, _c.Options.EarlyEndpoint.ContinuableSilence);
                return;
            case PauseVerdict.EndNow:
                break;
            default:
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
}
