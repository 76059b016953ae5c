using System.Text;
using VoiceAppliance.Models;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Pipeline;

/// <summary>The realtime speech-to-speech mode of a turn (<see cref="IRealtimeSpeech"/>) and its fallback to the local path.</summary>
internal sealed partial class TurnRunner
{
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
}
