using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;

namespace VoiceAppliance.Cloud;

/// <summary>
/// One Realtime WebSocket: connect (bounded by the connect limit), send events, and a receive loop of its own that
/// reads whole messages into one buffer of <see cref="RealtimeOptions.MaxMessageBytes"/> (a bigger message ends the
/// connection as <c>too_large</c>), parses them and hands them to a bounded queue. The loop is never cancelled by a
/// turn (a cancelled <see cref="ClientWebSocket"/> receive aborts the socket), so a barge-in can still send
/// <c>response.cancel</c> and <c>conversation.item.truncate</c> on the same connection.
/// </summary>
internal sealed class RealtimeConnection : IAsyncDisposable
{
    private const int QueueCapacity = 256;

    private readonly ClientWebSocket _socket;
    private readonly byte[] _buffer;
    private readonly Channel<RealtimeServerEvent> _events = Channel.CreateBounded<RealtimeServerEvent>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait, // the loop stops reading: TCP pushes back on the server
    });

    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;
    private CloudProviderException? _failure;
    private Action? _speechStarted;

    private RealtimeConnection(ClientWebSocket socket, int maxMessageBytes)
    {
        _socket = socket;
        _buffer = new byte[maxMessageBytes];
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>
    /// Called from the receive loop the moment the server's <c>input_audio_buffer.speech_started</c> arrives (before the
    /// turn's reader, which may be blocked writing answer audio to the speaker, takes the event): a barge-in must not
    /// wait for the answer's download. Null: nothing is called.
    /// </summary>
    public Action? SpeechStarted
    {
        get => Volatile.Read(ref _speechStarted);
        set => Volatile.Write(ref _speechStarted, value);
    }

    /// <summary>Why the connection ended, once it has.</summary>
    public CloudProviderException? Failure => Volatile.Read(ref _failure);

    /// <summary>Connects; failures are <see cref="CloudProviderException"/> (<c>connect_failed</c>, <c>timeout</c>, <c>http_NNN</c>).</summary>
    public static async Task<RealtimeConnection> ConnectAsync(RealtimeOptions options, ApiKey? key, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        if (key is not null)
        {
            socket.Options.SetRequestHeader("Authorization", key.BearerValue);
        }

        socket.Options.SetRequestHeader("OpenAI-Beta", "realtime=v1");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(options.ConnectUrl, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new CloudProviderException("timeout", $"{options.ReportName}: no WebSocket connection within {options.ConnectTimeout.TotalMilliseconds:0} ms");
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            if (status >= 400)
            {
                var hint = status is 401 or 403 ? " (check the key in ApiKeyFile and the account's access to the model)" : string.Empty;
                throw new CloudProviderException($"http_{status}", $"{options.ReportName}: the server refused the WebSocket with HTTP {status}{hint}", ex);
            }

            throw new CloudProviderException("connect_failed", $"{options.ReportName}: cannot connect to {options.BaseUrl.Host}:{options.BaseUrl.Port} ({ex.Message})", ex);
        }

        return new RealtimeConnection(socket, options.MaxMessageBytes);
    }

    /// <summary>
    /// Sends one event (JSON text message). <paramref name="cancellationToken"/> stops the wait for the socket only: a
    /// message once started is sent whole (a cancelled <see cref="ClientWebSocket"/> send aborts the socket, and a
    /// barge-in must still cancel and truncate on it); the connection's own closing stops it.
    /// </summary>
    public async Task SendAsync<T>(T value, JsonTypeInfo<T> info, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, info);
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // (an aborted socket fails a send in progress as cancelled: the caller's token is not the socket's)
            throw Fail(new CloudProviderException("stream_cut", "the realtime connection broke while sending", ex));
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>The next server event; throws the connection's failure when it has ended.</summary>
    public async ValueTask<RealtimeServerEvent> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _events.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw Failure ?? new CloudProviderException("stream_cut", "the realtime connection closed");
        }
    }

    /// <summary>
    /// Waits until an event can be taken (<see cref="TryReceive"/>) without taking it, so a caller may stop waiting for
    /// something else and lose nothing; throws the connection's failure when it has ended.
    /// </summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        if (!await _events.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw Failure ?? new CloudProviderException("stream_cut", "the realtime connection closed");
        }
    }

    /// <summary>Takes a waiting event without waiting.</summary>
    public bool TryReceive(out RealtimeServerEvent? serverEvent) => _events.Reader.TryRead(out serverEvent);

    /// <summary>Closes (politely when it can, within a second) and stops the receive loop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var polite = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "session ended", polite.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        _socket.Abort();
        try
        {
            await _receiving.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _socket.Dispose();
        _closing.Dispose();
        _send.Dispose();
    }

    private CloudProviderException Fail(CloudProviderException ex)
    {
        Interlocked.CompareExchange(ref _failure, ex, null);
        _events.Writer.TryComplete();
        return Failure!;
    }

    private async Task ReceiveLoopAsync()
    {
        var token = _closing.Token;
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == _buffer.Length)
                    {
                        Fail(new CloudProviderException("too_large", $"a realtime message is larger than the {_buffer.Length / 1024} KiB limit (MaxMessageKiB)"));
                        _socket.Abort();
                        return;
                    }

                    result = await _socket.ReceiveAsync(_buffer.AsMemory(count), token).ConfigureAwait(false);
                    count += result.Count;
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        Fail(new CloudProviderException("stream_cut", $"the server closed the realtime connection ({_socket.CloseStatus} {_socket.CloseStatusDescription})"));
                        return;
                    }
                }
                while (!result.EndOfMessage);

                if (result.MessageType != WebSocketMessageType.Text)
                {
                    continue; // the API sends text only; a binary frame carries nothing the appliance reads
                }

                RealtimeServerEvent? e;
                try
                {
                    e = JsonSerializer.Deserialize(_buffer.AsSpan(0, count), RealtimeJsonContext.Default.RealtimeServerEvent);
                }
                catch (JsonException ex)
                {
                    Fail(new CloudProviderException("malformed_response", $"a realtime event is not valid JSON ({ex.Message})", ex));
                    _socket.Abort();
                    return;
                }

                if (e?.Type is null)
                {
                    Fail(new CloudProviderException("malformed_response", "a realtime event has no type"));
                    _socket.Abort();
                    return;
                }

                if (e.Type == "input_audio_buffer.speech_started")
                {
                    SpeechStarted?.Invoke();
                }

                await _events.Writer.WriteAsync(e, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            Fail(new CloudProviderException("stream_cut", "the realtime connection was closed"));
        }
        catch (ChannelClosedException)
        {
            // A send failed first and ended the connection.
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            Fail(new CloudProviderException("stream_cut", $"the realtime connection broke ({ex.Message})", ex));
        }
    }
}
