using System.Buffers.Binary;
using VoiceAppliance.Audio.Alsa.Dsp;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Cloud;

/// <summary>
/// The server-side turn detection (<c>server_vad</c>, <c>semantic_vad</c>): the turn's audio goes up as it is
/// captured (a sender task draining the pipeline's ring into <c>input_audio_buffer.append</c> events), the server's
/// <c>speech_started</c> / <c>speech_stopped</c> / <c>committed</c> events drive the turn, and the server creates the
/// response itself. The client never commits or asks for a response unless the device ended the utterance (a button
/// release, the end of the source).
/// </summary>
public sealed partial class RealtimeSpeech
{
    /// <summary>The sender waits for at least this much audio (50 ms at 16 kHz) before an append, unless the utterance ended.</summary>
    private const int MinChunkInputSamples = 800;

    /// <summary>How often the playback is looked at while an answer plays in a server mode.</summary>
    private static readonly TimeSpan s_playbackPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a finished turn still waits for the user's transcript when the answer came first.</summary>
    private static readonly TimeSpan s_lateTranscriptWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The listening part of a server-detected turn: starts the sender, then reads the server's events until it ends
    /// the turn (or the device does: a release or the end of the source is committed here; a safety net fails the
    /// turn as <c>no_turn_end</c>).
    /// </summary>
    private async Task ListenAsync(RealtimeConnection connection, IRealtimeAudioSource audio, int sampleRate, IRealtimeTurn turn, TurnState state, CancellationToken cancellationToken)
    {
        state.StartSender(ct => StreamAsync(connection, audio, sampleRate, ct), cancellationToken);
        var deviceEnded = audio.DeviceEnded;
        while (true)
        {
            while (connection.TryReceive(out var e))
            {
                if (OnListeningEvent(e!, turn, state, cancellationToken))
                {
                    return;
                }
            }

            var next = connection.WaitAsync(cancellationToken);
            if (await Task.WhenAny(next, deviceEnded).ConfigureAwait(false) == next)
            {
                await next.ConfigureAwait(false); // throws the connection's failure
                continue;
            }

            while (connection.TryReceive(out var e))
            {
                if (OnListeningEvent(e!, turn, state, cancellationToken))
                {
                    return; // the server ended the turn as the device did: its answer is on the way
                }
            }

            var how = await deviceEnded.ConfigureAwait(false);
            if (how is not (UtteranceEnd.Released or UtteranceEnd.SourceEnded))
            {
                var what = how == UtteranceEnd.MaxUtterance ? "before the longest utterance (Pipeline:Endpointing:MaxUtteranceMs)" : $"within {_options.EffectiveTurnEndTimeout.TotalMilliseconds:0} ms of silence (TurnEndTimeoutMs)";
                throw new CloudProviderException("no_turn_end", $"{Name}: the server did not end the turn {what}");
            }

            // The user or the source ended the utterance: what is left goes up, then the client ends the turn itself.
            await state.StopSenderAsync(drain: true).ConfigureAwait(false);
            await connection.SendAsync(new RealtimeBareEvent { Type = "input_audio_buffer.commit" }, RealtimeJsonContext.Default.RealtimeBareEvent, cancellationToken).ConfigureAwait(false);
            state.Committed = true;
            await connection.SendAsync(new RealtimeBareEvent { Type = "response.create" }, RealtimeJsonContext.Default.RealtimeBareEvent, cancellationToken).ConfigureAwait(false);
            turn.RequestSent();
            return;
        }
    }

    /// <summary>One server event while the user speaks; true when it ended the user's turn.</summary>
    private bool OnListeningEvent(RealtimeServerEvent e, IRealtimeTurn turn, TurnState state, CancellationToken cancellationToken)
    {
        switch (e.Type)
        {
            case "input_audio_buffer.speech_started":
                state.SpeechStarts++; // the connection's receive loop told the turn at once
                return false;
            case "input_audio_buffer.speech_stopped" or "input_audio_buffer.committed":
                if (e.Type == "input_audio_buffer.committed")
                {
                    state.UserItem = e.ItemId;
                }

                state.Committed = true;
                if (!turn.ServerEndedTurn())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    turn.RequestSent(); // the device had just ended listening itself: the server's answer is taken
                }

                return true;
            case "conversation.item.input_audio_transcription.completed" when e.Transcript is { } heard && state.UserItem is not null && e.ItemId == state.UserItem:
                state.TranscriptDone = true;
                turn.UserTranscript(heard.Trim());
                return false;
            case "error" when e.Error?.Code is "response_cancel_not_active":
                return false;
            case "error":
                throw new CloudProviderException("server_error", $"{Name}: error event {e.Error?.Code ?? e.Error?.Type ?? "?"}: {Clip(e.Error?.Message)}");
            default:
                return false; // session.*, rate limits, the end of a cancelled earlier response
        }
    }

    /// <summary>
    /// The sender: the turn's audio, resampled to 24 kHz pcm16, in appends of 50-100 ms as it is captured, until the
    /// stream is over or the turn ends. A failed send ends the connection, which the turn's reader reports.
    /// </summary>
    private static async Task StreamAsync(RealtimeConnection connection, IRealtimeAudioSource audio, int sampleRate, CancellationToken cancellationToken)
    {
        var encoder = new AppendEncoder(sampleRate);
        var input = new float[ChunkInputSamples];
        try
        {
            while (true)
            {
                var n = await audio.ReadAsync(input, MinChunkInputSamples, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                if (encoder.Encode(input.AsSpan(0, n)) is { } append)
                {
                    await connection.SendAsync(append, RealtimeJsonContext.Default.RealtimeAudioAppend, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (CloudProviderException)
        {
            // The connection is over (Fail completed its events): the turn's reader throws it.
        }
    }

    /// <summary>
    /// A server mode, the answer received: until the speaker has played it, the turn stays on the conversation (the
    /// sender still streams the echo-cancelled microphone, the server's <c>speech_started</c> still reaches the turn as
    /// a barge-in that cancels and truncates it), and a late user transcript is taken. Bounded by the answer's
    /// length plus the response limit, so a stalled speaker cannot hold the turn.
    /// </summary>
    private async Task WatchPlaybackAsync(RealtimeConnection connection, IRealtimeTurn turn, TurnState state, CancellationToken cancellationToken)
    {
        if (state.Items.Count == 0)
        {
            return;
        }

        var (item, samples) = state.Items[^1];
        var itemMs = (int)(samples * 1000L / ServerRate);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMilliseconds(state.Samples * 1000L / ServerRate) + _options.ResponseTimeout);
        try
        {
            while (turn.HeardMilliseconds(item) < itemMs - 20)
            {
                using (var tick = CancellationTokenSource.CreateLinkedTokenSource(limit.Token))
                {
                    tick.CancelAfter(s_playbackPoll);
                    try
                    {
                        await connection.WaitAsync(tick.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!limit.IsCancellationRequested)
                    {
                        continue;
                    }
                }

                while (connection.TryReceive(out var e))
                {
                    if (e!.Type == "input_audio_buffer.speech_started")
                    {
                        state.SpeechStarts++; // told to the turn by the receive loop: a barge-in cancels it, the next wait throws
                    }
                    else if (e.Type == "conversation.item.input_audio_transcription.completed" && e.Transcript is { } heard && e.ItemId == state.UserItem && !state.TranscriptDone)
                    {
                        state.TranscriptDone = true;
                        turn.UserTranscript(heard.Trim());
                    }
                    else if (e.Type == "error" && e.Error?.Code is not "response_cancel_not_active")
                    {
                        LogFailed(_logger, Name, "server_error", $"after the answer: {e.Error?.Code}: {Clip(e.Error?.Message)}");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // the speaker did not finish in time: the runner's drain waits for it
        }
        catch (CloudProviderException)
        {
            // the answer is complete; the next turn finds the broken connection
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// The answer is complete but the user's transcript is not in yet (the server transcribes alongside the answer):
    /// wait for it a little (<see cref="s_lateTranscriptWait"/>), so it is still the turn's transcript.
    /// </summary>
    private async Task AwaitUserTranscriptAsync(RealtimeConnection connection, IRealtimeTurn turn, TurnState state, CancellationToken cancellationToken)
    {
        if (_options.TranscriptionModel.Length == 0 || state.UserItem is null || state.TranscriptDone)
        {
            return;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(s_lateTranscriptWait);
        try
        {
            while (true)
            {
                var e = await connection.ReceiveAsync(limit.Token).ConfigureAwait(false);
                if (e.ItemId != state.UserItem)
                {
                    continue;
                }

                if (e.Type == "conversation.item.input_audio_transcription.completed" && e.Transcript is { } heard)
                {
                    state.TranscriptDone = true;
                    turn.UserTranscript(heard.Trim());
                    return;
                }

                if (e.Type == "conversation.item.input_audio_transcription.failed")
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogNoTranscript(_logger, Name, s_lateTranscriptWait.TotalMilliseconds);
        }
        catch (CloudProviderException ex)
        {
            LogNoTranscript(_logger, Name, s_lateTranscriptWait.TotalMilliseconds);
            _ = ex; // the answer is complete; the next turn finds the broken connection
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 188, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "{Provider}: the user's transcript did not come within {Milliseconds} ms of the answer; the turn reports none")]
    private static partial void LogNoTranscript(Microsoft.Extensions.Logging.ILogger logger, string provider, double milliseconds);

    /// <summary>16 kHz float chunks -> 24 kHz pcm16 base64 appends; one resampler per turn (its state carries over).</summary>
    private sealed class AppendEncoder
    {
        private readonly PolyphaseResampler? _resampler;
        private readonly float[] _out;
        private readonly byte[] _pcm;

        public AppendEncoder(int sampleRate)
        {
            _resampler = sampleRate == ServerRate ? null : new PolyphaseResampler(sampleRate, ServerRate);
            _out = new float[_resampler?.MaxOutput(ChunkInputSamples) ?? ChunkInputSamples];
            _pcm = new byte[_out.Length * 2];
        }

        /// <summary>The append for <paramref name="input"/> (at most <see cref="ChunkInputSamples"/>), or null when it produced nothing.</summary>
        public RealtimeAudioAppend? Encode(ReadOnlySpan<float> input)
        {
            int produced;
            if (_resampler is null)
            {
                input.CopyTo(_out);
                produced = input.Length;
            }
            else
            {
                produced = _resampler.Process(input, _out);
            }

            for (var i = 0; i < produced; i++)
            {
                var s = Math.Clamp(_out[i], -1f, 1f);
                BinaryPrimitives.WriteInt16LittleEndian(_pcm.AsSpan(i * 2), (short)MathF.Round(s * 32767f));
            }

            return produced > 0 ? new RealtimeAudioAppend { Audio = Convert.ToBase64String(_pcm, 0, produced * 2) } : null;
        }
    }
}
