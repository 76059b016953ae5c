using System.Text;
using VoiceAppliance.Models;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Pipeline;

/// <summary>The realtime speech-to-speech mode of a turn (<see cref="IRealtimeSpeech"/>) and its fallback to the local path.</summary>
internal sealed partial class TurnRunner
{
    /// <summary>
    /// A listening turn began (under the lock). With a realtime server that ends turns (and the session not fallen
    /// back to local), the realtime turn starts now: the front end writes the turn's audio to its stream as it is
    /// captured and the provider sends it up (<see cref="RunStreamingRealtimeAsync"/>). <paramref name="keepPending"/>:
    /// a barge-in, whose speech over the answer is already on its way to the server.
    /// </summary>
    public void StartStreamingLocked(PipelineTurn turn, bool keepPending)
    {
        if (_c.RealtimeFeed is not { } feed || _c.Engines.Realtime is not { } realtime || turn.Session.RealtimeOff)
        {
            return;
        }

        var stream = turn.RealtimeStream = new RealtimeAudioStream(feed, keepPending);
        var sink = turn.Realtime = new RealtimeTurnSink(_c, turn, ReadOnlyMemory<float>.Empty, appliance, realtime.Name);
        Start(turn, () => RunStreamingRealtimeAsync(realtime, turn, sink, stream));
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
            }

            await FinishRealtimeReplyAsync(realtime, turn, sink, reply, token).ConfigureAwait(false);
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
    /// A realtime turn whose end the server detects, from the start of listening: the provider streams the audio and
    /// reads the server's turn events and answer. A failure before any answer was heard answers the same utterance on
    /// the local path: at once when listening had ended, else the device's endpointer ends the utterance as in the
    /// local mode (the turn no longer streams). After audio was heard, the turn ends with what was heard.
    /// </summary>
    private async Task RunStreamingRealtimeAsync(IRealtimeSpeech realtime, PipelineTurn turn, RealtimeTurnSink sink, RealtimeAudioStream stream)
    {
        var token = turn.ReplyCts.Token;
        try
        {
            var reply = await realtime.ConverseAsync(turn.Session.Id, stream, _c.SampleRate, sink, token).ConfigureAwait(false);
            if (stream.DroppedSamples is > 0 and var dropped)
            {
                PipelineLog.RealtimeAudioDropped(_c.Logger, turn.Session.Id, realtime.Name, dropped * 1000 / _c.SampleRate);
                turn.Providers.Problem("realtime", realtime.Name, $"dropped {dropped * 1000 / _c.SampleRate} ms of streamed audio");
            }

            if (reply.FailureReason is { } reason)
            {
                PipelineLog.RealtimeFellBack(_c.Logger, turn.Session.Id, realtime.Name, reason, sink.AudioStarted);
                turn.Session.RealtimeOff = true;
                if (!sink.AudioStarted)
                {
                    ReadOnlyMemory<float> utterance;
                    lock (_c.Gate)
                    {
                        if (!_c.IsCurrent(turn))
                        {
                            return;
                        }

                        turn.Realtime = null;
                        turn.RealtimeStream = null;
                        turn.Providers.FellBack("realtime", realtime.Name, "local", reason);
                        if (!stream.ListeningOver)
                        {
                            return; // still listening: the device's endpointer ends the utterance and the local path answers it
                        }

                        utterance = stream.Utterance;
                    }

                    await RunCascadeAsync(turn, utterance, speculation: null).ConfigureAwait(false);
                    return;
                }
            }

            await FinishRealtimeReplyAsync(realtime, turn, sink, reply, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Barge-in, stop, mute, no speech or the watchdog took over; the provider cancelled and truncated the answer.
        }
        catch (Exception ex)
        {
            Fail(turn, ex, PipelineErrorSource.Workflow);
        }
    }

    /// <summary>
    /// The end of a realtime answer that was heard, or that did not fail: the provider is reported (used, or failed
    /// mid-answer with the session's next turns local), the answer's audio drains, and the turn finishes with it.
    /// </summary>
    private async Task FinishRealtimeReplyAsync(IRealtimeSpeech realtime, PipelineTurn turn, RealtimeTurnSink sink, RealtimeReply reply, CancellationToken token)
    {
        if (reply.FailureReason is { } reason)
        {
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
}
