using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Cloud;

/// <summary>
/// The OpenAI Realtime API as a speech-to-speech mode of the pipeline (<see cref="IRealtimeSpeech"/>): one WebSocket
/// conversation per pipeline session. Each turn's utterance (16 kHz, endpointed by the device) is resampled to 24 kHz
/// pcm16 and sent as <c>input_audio_buffer.append</c> events, committed, and answered (<c>response.create</c>), or,
/// with the server's turn detection, streamed as it is captured (RealtimeSpeech.Streaming.cs); the
/// answer's audio deltas are played as they arrive, its transcripts become the pipeline's transcript and reply, its
/// function calls run the intents (<see cref="IntentTools"/>) and go back as <c>function_call_output</c> items. A
/// barge-in or stop sends <c>response.cancel</c> and <c>conversation.item.truncate</c> with what was heard. A failure
/// (connect, drop, timeout, oversized or malformed message, an error event) ends the conversation and is returned,
/// never thrown; the circuit breaker skips the provider after repeated failures.
/// </summary>
public sealed partial class RealtimeSpeech : IRealtimeSpeech, IAsyncDisposable, IDisposable
{
    private const int ServerRate = 24000;
    private const int ChunkInputSamples = 1600; // 100 ms at 16 kHz per append event

    private readonly RealtimeOptions _options;
    private readonly ApiKey? _key;
    private readonly IntentTools? _tools;
    private readonly CircuitBreaker _breaker;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _turnGate = new(1, 1);
    private readonly Lock _gate = new();
    private RealtimeConnection? _connection;
    private string? _sessionId;
    private bool _inTurn;
    private string? _endAfterTurn;

    /// <summary>Creates the provider; nothing connects until a turn needs it.</summary>
    /// <param name="options"><c>Cloud:Realtime</c>.</param>
    /// <param name="key">The API key, or null.</param>
    /// <param name="intents">The intents offered as tools, or null.</param>
    /// <param name="time">Time for the circuit breaker.</param>
    /// <param name="logger">Failures (never the key).</param>
    public RealtimeSpeech(RealtimeOptions options, ApiKey? key, Workflows.IntentWorkflow? intents, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _key = key;
        _tools = intents is null ? null : new IntentTools(intents);
        _breaker = new CircuitBreaker(options.FailureThreshold, options.CoolDown, time ?? TimeProvider.System);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <inheritdoc />
    public string Name => _options.ReportName;

    /// <summary>The circuit breaker (tests, reports).</summary>
    public CircuitBreaker Breaker => _breaker;

    /// <inheritdoc />
    public TimeSpan? ServerTurnEndTimeout => _options.ServerTurns ? _options.EffectiveTurnEndTimeout : null;

    /// <inheritdoc />
    public Task<RealtimeReply> RespondAsync(string sessionId, ReadOnlyMemory<float> utterance, int sampleRate, IRealtimeTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return RunTurnAsync(
            sessionId,
            turn,
            async (connection, state, token) =>
            {
                await SendUtteranceAsync(connection, utterance, sampleRate, state, token).ConfigureAwait(false);
                turn.RequestSent();
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<RealtimeReply> ConverseAsync(string sessionId, IRealtimeAudioSource audio, int sampleRate, IRealtimeTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(turn);
        return RunTurnAsync(sessionId, turn, (connection, state, token) => ListenAsync(connection, audio, sampleRate, turn, state, token), cancellationToken);
    }

    /// <summary>
    /// One turn on the session's conversation: <paramref name="userTurn"/> gets the user's audio up and the turn ended
    /// (the device's utterance committed, or the server's turn detection), then the answer is read and played.
    /// </summary>
    private async Task<RealtimeReply> RunTurnAsync(string sessionId, IRealtimeTurn turn, Func<RealtimeConnection, TurnState, CancellationToken, Task> userTurn, CancellationToken cancellationToken)
    {
        if (!_breaker.TryAcquire())
        {
            return new RealtimeReply(string.Empty, TimeSpan.Zero, "circuit_open", $"{Name} failed {_options.FailureThreshold} times in a row; skipped for {_options.CoolDown.TotalSeconds:0} s");
        }

        await _turnGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _inTurn = true;
        }

        var state = new TurnState();
        RealtimeConnection? connection = null;
        try
        {
            connection = await ConnectionForAsync(sessionId, cancellationToken).ConfigureAwait(false);
            if (_options.ServerTurns)
            {
                connection.SpeechStarted = turn.SpeechStarted;
            }

            await userTurn(connection, state, cancellationToken).ConfigureAwait(false);
            await ReadAnswerAsync(connection, turn, state, cancellationToken).ConfigureAwait(false);
            _breaker.Success();
            if (_options.FollowUp)
            {
                turn.Workflow.ContinueSession();
            }

            return new RealtimeReply(state.Text.ToString(), TimeSpan.FromSeconds(state.Samples / (double)ServerRate));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (connection is not null)
            {
                await InterruptAsync(connection, turn, state).ConfigureAwait(false);
            }

            throw;
        }
        catch (CloudProviderException ex)
        {
            _breaker.Failure();
            LogFailed(_logger, Name, ex.Reason, ex.Message);
            if (state.Samples > 0 && _options.FollowUp)
            {
                turn.Workflow.ContinueSession(); // part of the answer was heard: the user may go on (on the local path)
            }

            await DropConnectionAsync().ConfigureAwait(false);
            return new RealtimeReply(state.Text.ToString(), TimeSpan.FromSeconds(state.Samples / (double)ServerRate), ex.Reason, ex.Message);
        }
        finally
        {
            if (connection is not null)
            {
                connection.SpeechStarted = null;
            }

            await state.StopSenderAsync().ConfigureAwait(false);
            RealtimeConnection? closing = null;
            lock (_gate)
            {
                _inTurn = false;
                if (_endAfterTurn is not null && _endAfterTurn == _sessionId)
                {
                    closing = _connection;
                    _connection = null;
                    _sessionId = null;
                }

                _endAfterTurn = null;
            }

            if (closing is not null)
            {
                await closing.DisposeAsync().ConfigureAwait(false);
            }

            _turnGate.Release();
        }
    }

    /// <inheritdoc />
    public void EndSession(string sessionId)
    {
        RealtimeConnection? closing = null;
        lock (_gate)
        {
            if (_inTurn)
            {
                _endAfterTurn = sessionId; // the turn in flight still cancels and truncates on this connection
                return;
            }

            if (_sessionId == sessionId)
            {
                closing = _connection;
                _connection = null;
                _sessionId = null;
            }
        }

        if (closing is not null)
        {
            _ = closing.DisposeAsync().AsTask();
        }
    }

    /// <summary>Closes the conversation in progress.</summary>
    public async ValueTask DisposeAsync()
    {
        await DropConnectionAsync().ConfigureAwait(false);
        _turnGate.Dispose();
    }

    /// <summary>Closes the conversation in progress (at most a second for a polite close).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task DropConnectionAsync()
    {
        RealtimeConnection? closing;
        lock (_gate)
        {
            closing = _connection;
            _connection = null;
            _sessionId = null;
        }

        if (closing is not null)
        {
            await closing.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<RealtimeConnection> ConnectionForAsync(string sessionId, CancellationToken cancellationToken)
    {
        RealtimeConnection? stale = null;
        lock (_gate)
        {
            if (_connection is not null && _sessionId == sessionId)
            {
                if (_connection.Failure is { } dropped)
                {
                    // The conversation broke between turns: this turn (and the session's next ones) go local.
                    throw dropped;
                }

                return _connection;
            }

            stale = _connection;
            _connection = null;
        }

        if (stale is not null)
        {
            await stale.DisposeAsync().ConfigureAwait(false);
        }

        var connection = await RealtimeConnection.ConnectAsync(_options, _key, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.SendAsync(SessionUpdate(), RealtimeJsonContext.Default.RealtimeSessionUpdate, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        lock (_gate)
        {
            _connection = connection;
            _sessionId = sessionId;
        }

        return connection;
    }

    private RealtimeSessionUpdate SessionUpdate()
    {
        var config = new RealtimeSessionConfig
        {
            Instructions = _options.Instructions,
            Voice = _options.Voice,
            InputAudioTranscription = _options.TranscriptionModel.Length > 0 ? new RealtimeTranscriptionConfig { Model = _options.TranscriptionModel } : null,
            TurnDetection = _options.TurnDetection switch
            {
                RealtimeOptions.ServerVad => new RealtimeTurnDetection
                {
                    Type = RealtimeOptions.ServerVad,
                    Threshold = _options.VadThreshold,
                    PrefixPaddingMs = _options.VadPrefixPaddingMs,
                    SilenceDurationMs = _options.VadSilenceDurationMs,
                },
                RealtimeOptions.SemanticVad => new RealtimeTurnDetection { Type = RealtimeOptions.SemanticVad, Eagerness = _options.Eagerness },
                _ => null, // the device's endpointer ends each turn
            },
        };
        if (_tools is { Definitions.Count: > 0 })
        {
            config.Tools = [.. _tools.Definitions.Select(d => new RealtimeTool { Name = d.Function.Name, Description = d.Function.Description, Parameters = d.Function.Parameters })];
            config.ToolChoice = "auto";
        }

        return new RealtimeSessionUpdate { Session = config };
    }

    private static async Task SendUtteranceAsync(RealtimeConnection connection, ReadOnlyMemory<float> utterance, int sampleRate, TurnState state, CancellationToken cancellationToken)
    {
        var encoder = new AppendEncoder(sampleRate);
        for (var offset = 0; offset < utterance.Length; offset += ChunkInputSamples)
        {
            if (encoder.Encode(utterance.Span.Slice(offset, Math.Min(ChunkInputSamples, utterance.Length - offset))) is { } append)
            {
                await connection.SendAsync(append, RealtimeJsonContext.Default.RealtimeAudioAppend, cancellationToken).ConfigureAwait(false);
            }
        }

        await connection.SendAsync(new RealtimeBareEvent { Type = "input_audio_buffer.commit" }, RealtimeJsonContext.Default.RealtimeBareEvent, cancellationToken).ConfigureAwait(false);
        state.Committed = true;
        await connection.SendAsync(new RealtimeBareEvent { Type = "response.create" }, RealtimeJsonContext.Default.RealtimeBareEvent, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadAnswerAsync(RealtimeConnection connection, IRealtimeTurn turn, TurnState state, CancellationToken cancellationToken)
    {
        var rounds = 0;
        var pendingOutputs = 0;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (true)
        {
            idle.CancelAfter(_options.ResponseTimeout);
            RealtimeServerEvent e;
            try
            {
                e = await connection.ReceiveAsync(idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CloudProviderException("timeout", $"{Name}: nothing from the server for {_options.ResponseTimeout.TotalMilliseconds:0} ms (ResponseTimeoutMs)");
            }

            switch (e.Type)
            {
                case "response.created":
                    state.ResponseId = e.Response?.Id;
                    state.InResponse = true;
                    break;
                case "response.audio.delta" or "response.output_audio.delta" when state.Accepts(e):
                    await PlayDeltaAsync(e, turn, state, cancellationToken).ConfigureAwait(false);
                    break;
                case "response.audio_transcript.delta" or "response.output_audio_transcript.delta" or "response.text.delta" or "response.output_text.delta" when state.Accepts(e) && e.Delta is { Length: > 0 } text:
                    state.Text.Append(text);
                    turn.ReplyText(text);
                    break;
                case "input_audio_buffer.committed":
                    state.UserItem = e.ItemId;
                    break;
                case "input_audio_buffer.speech_started":
                    // The user speaks over the answer (streamed with echo cancellation): the connection's receive loop
                    // already told the turn (a barge-in cancels it).
                    state.SpeechStarts++;
                    break;
                case "conversation.item.input_audio_transcription.completed" when e.Transcript is { } heard && state.UserItem is not null && e.ItemId == state.UserItem:
                    state.TranscriptDone = true;
                    turn.UserTranscript(heard.Trim());
                    break;
                case "response.function_call_arguments.done" when state.Accepts(e):
                    if (rounds >= _options.MaxToolRounds)
                    {
                        throw new CloudProviderException("bad_tool_call", $"{Name}: more than {_options.MaxToolRounds} rounds of tool calls in one turn (MaxToolRounds)");
                    }

                    var output = await RunToolAsync(e, turn, cancellationToken).ConfigureAwait(false);
                    await connection.SendAsync(new RealtimeItemCreate { Item = new RealtimeFunctionOutput { CallId = e.CallId ?? string.Empty, Output = output } }, RealtimeJsonContext.Default.RealtimeItemCreate, cancellationToken).ConfigureAwait(false);
                    pendingOutputs++;
                    break;
                case "response.done" when state.InResponse && (state.ResponseId is null || e.Response?.Id is null || e.Response.Id == state.ResponseId):
                    if (e.Response?.Status is "failed" or "incomplete" && pendingOutputs == 0 && state.Samples == 0)
                    {
                        throw new CloudProviderException("server_error", $"{Name}: the response ended '{e.Response.Status}'");
                    }

                    state.InResponse = false;
                    state.ResponseId = null;
                    if (pendingOutputs == 0)
                    {
                        if (_options.ServerTurns)
                        {
                            await WatchPlaybackAsync(connection, turn, state, cancellationToken).ConfigureAwait(false);
                        }

                        await AwaitUserTranscriptAsync(connection, turn, state, cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    rounds++;
                    pendingOutputs = 0;
                    await connection.SendAsync(new RealtimeBareEvent { Type = "response.create" }, RealtimeJsonContext.Default.RealtimeBareEvent, cancellationToken).ConfigureAwait(false);
                    break;
                case "error" when e.Error?.Code is "response_cancel_not_active":
                    break; // a cancel sent after a barge-in that raced the response's end
                case "error":
                    throw new CloudProviderException("server_error", $"{Name}: error event {e.Error?.Code ?? e.Error?.Type ?? "?"}: {Clip(e.Error?.Message)}");
                default:
                    break; // session.*, rate limits, item bookkeeping, events of a cancelled response
            }
        }
    }

    private static async Task PlayDeltaAsync(RealtimeServerEvent e, IRealtimeTurn turn, TurnState state, CancellationToken cancellationToken)
    {
        if (e.Delta is not { Length: > 0 } delta)
        {
            return;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(delta);
        }
        catch (FormatException ex)
        {
            throw new CloudProviderException("malformed_response", "an audio delta is not base64", ex);
        }

        // One array per network message (the speaker keeps it until played), never per audio frame.
        var samples = new float[bytes.Length / 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(i * 2)) / 32768f;
        }

        var item = e.ItemId ?? string.Empty;
        state.Wrote(item, samples.Length);
        await turn.PlayAsync(samples, ServerRate, item, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> RunToolAsync(RealtimeServerEvent e, IRealtimeTurn turn, CancellationToken cancellationToken)
    {
        if (_tools is null)
        {
            turn.Workflow.Providers.Problem("realtime", Name, "bad_tool_call");
            return "{\"ok\":false,\"error\":\"no tools are configured\"}";
        }

        var call = new ToolCall { Id = e.CallId ?? string.Empty, Function = new FunctionCall { Name = e.Name, Arguments = e.Arguments } };
        var (result, ok) = await _tools.RunAsync(call, turn.Workflow, cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            turn.Workflow.Providers.Problem("realtime", Name, "bad_tool_call");
            LogToolRefused(_logger, e.Name ?? "?", result);
        }

        return result;
    }

    /// <summary>The turn was cut: stop the answer and make the server forget what was not heard.</summary>
    private async Task InterruptAsync(RealtimeConnection connection, IRealtimeTurn turn, TurnState state)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            if (!state.Committed)
            {
                // Cut while the utterance was going up: the next turn must not start with its half.
                await connection.SendAsync(new RealtimeBareEvent { Type = "input_audio_buffer.clear" }, RealtimeJsonContext.Default.RealtimeBareEvent, limit.Token).ConfigureAwait(false);
            }

            if (state.InResponse)
            {
                await connection.SendAsync(new RealtimeBareEvent { Type = "response.cancel" }, RealtimeJsonContext.Default.RealtimeBareEvent, limit.Token).ConfigureAwait(false);
            }

            foreach (var (item, samples) in state.Items)
            {
                var written = (int)(samples * 1000L / ServerRate);
                var heard = Math.Clamp(turn.HeardMilliseconds(item), 0, written);
                if (heard < written)
                {
                    await connection.SendAsync(new RealtimeTruncate { ItemId = item, ContentIndex = 0, AudioEndMs = heard }, RealtimeJsonContext.Default.RealtimeTruncate, limit.Token).ConfigureAwait(false);
                    break; // the items after it were not heard at all, and the server truncates from here on
                }
            }
        }
        catch (Exception ex) when (ex is CloudProviderException or OperationCanceledException or ObjectDisposedException)
        {
            LogFailed(_logger, Name, "interrupt", ex.Message);
        }
    }

    private static string Clip(string? text) => text is null ? string.Empty : text.Length > 200 ? text[..200] + "..." : text;

    [LoggerMessage(EventId = 186, Level = LogLevel.Warning, Message = "{Provider} failed ({Reason}): {Message}; the session goes on with the local engines")]
    private static partial void LogFailed(ILogger logger, string provider, string reason, string message);

    [LoggerMessage(EventId = 187, Level = LogLevel.Warning, Message = "The realtime model's call of tool {Tool} was refused: {Result}")]
    private static partial void LogToolRefused(ILogger logger, string tool, string result);

    /// <summary>One turn's answer so far.</summary>
    private sealed class TurnState
    {
        public StringBuilder Text { get; } = new();

        public List<(string Item, long Samples)> Items { get; } = [];

        public long Samples { get; private set; }

        public string? ResponseId { get; set; }

        public bool InResponse { get; set; }

        /// <summary>The whole utterance was committed.</summary>
        public bool Committed { get; set; }

        /// <summary>The user's conversation item (from <c>input_audio_buffer.committed</c>): only its transcript is this turn's.</summary>
        public string? UserItem { get; set; }

        /// <summary>The user's transcript was reported.</summary>
        public bool TranscriptDone { get; set; }

        /// <summary>The server's <c>speech_started</c> events in this turn.</summary>
        public int SpeechStarts { get; set; }

        private Task? _sender;
        private CancellationTokenSource? _senderCts;

        /// <summary>Starts the sender of a streamed turn (stopped by <see cref="StopSenderAsync"/>).</summary>
        public void StartSender(Func<CancellationToken, Task> sender, CancellationToken cancellationToken)
        {
            _senderCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var token = _senderCts.Token;
            _sender = Task.Run(() => sender(token), CancellationToken.None);
        }

        /// <summary>Stops the sender: at once, or (<paramref name="drain"/>) once it has sent what the ended stream still held.</summary>
        public async Task StopSenderAsync(bool drain = false)
        {
            if (_sender is not { } sender)
            {
                return;
            }

            if (!drain)
            {
                await _senderCts!.CancelAsync().ConfigureAwait(false);
            }

            try
            {
                await sender.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or CloudProviderException or ObjectDisposedException)
            {
                // a failed send ended the connection: the turn's reader reports it
            }

            _sender = null;
            _senderCts!.Dispose();
            _senderCts = null;
        }

        /// <summary>An event of the response this turn asked for (not a late one of a cancelled earlier response).</summary>
        public bool Accepts(RealtimeServerEvent e) => InResponse;

        public void Wrote(string item, int samples)
        {
            Samples += samples;
            var last = Items.Count - 1;
            if (last >= 0 && Items[last].Item == item)
            {
                Items[last] = (item, Items[last].Samples + samples);
            }
            else
            {
                Items.Add((item, samples));
            }
        }
    }
}
