using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace VoiceAppliance.Tests.Cloud;

/// <summary>
/// A scriptable OpenAI Realtime server on 127.0.0.1 (<see cref="HttpListener"/> WebSockets): each connection runs the
/// next scripted handler (then a default); a connection can also be refused with an HTTP status. Every client event
/// is recorded per connection, including those that arrive after the script ends (a truncate after a barge-in).
/// </summary>
internal sealed class RealtimeTestServer : LoopbackHttpServer
{
    private readonly ConcurrentQueue<Func<RealtimeTestConnection, Task>?> _scripts = new();
    private readonly ConcurrentQueue<int> _refusals = new();
    private Func<RealtimeTestConnection, Task> _default = c => c.AnswerEveryTurnAsync();

    private RealtimeTestServer() => StartAccepting();

    /// <summary>The realtime URL, <c>ws://127.0.0.1:port/v1/realtime</c>.</summary>
    public Uri Url => new($"ws://127.0.0.1:{Port}/v1/realtime");

    /// <summary>Connections in the order they were accepted.</summary>
    public ConcurrentQueue<RealtimeTestConnection> Connections { get; } = new();

    /// <summary>Every request's Authorization header (or null), refused ones included.</summary>
    public ConcurrentQueue<string?> Authorizations { get; } = new();

    /// <summary>Audio to answer with (24 kHz pcm16) for <see cref="RealtimeTestConnection.AnswerEveryTurnAsync"/>.</summary>
    public byte[] AnswerAudio { get; set; } = new byte[48000];

    /// <summary>The answer's transcript for the default script.</summary>
    public string AnswerText { get; set; } = "Hello there.";

    /// <summary>The user's transcript the default script reports.</summary>
    public string UserText { get; set; } = "hello";

    public static RealtimeTestServer Start() => new();

    /// <summary>The next connection runs <paramref name="script"/>.</summary>
    public RealtimeTestServer Then(Func<RealtimeTestConnection, Task> script)
    {
        _scripts.Enqueue(script);
        return this;
    }

    /// <summary>Connections with no script left run <paramref name="script"/>.</summary>
    public RealtimeTestServer Always(Func<RealtimeTestConnection, Task> script)
    {
        _default = script;
        return this;
    }

    /// <summary>The next connection attempt is answered with HTTP <paramref name="status"/> instead of a WebSocket.</summary>
    public RealtimeTestServer ThenRefuse(int status)
    {
        _refusals.Enqueue(status);
        return this;
    }

    protected override void OnStopping()
    {
        foreach (var c in Connections)
        {
            c.Socket.Abort();
        }
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        Authorizations.Enqueue(context.Request.Headers["Authorization"]);
        if (_refusals.TryDequeue(out var status) || !context.Request.IsWebSocketRequest)
        {
            context.Response.StatusCode = status == 0 ? 400 : status;
            context.Response.Close();
            return;
        }

        var ws = await context.AcceptWebSocketAsync(subProtocol: null);
        var connection = new RealtimeTestConnection(this, ws.WebSocket, context.Request.Url?.Query ?? string.Empty, context.Request.Headers["OpenAI-Beta"], context.Response.Abort);
        Connections.Enqueue(connection);
        var script = _scripts.TryDequeue(out var s) && s is not null ? s : _default;
        try
        {
            await script(connection);
            await connection.ReadUntilClosedAsync();
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            // the client went away or the test ended
        }
    }
}

/// <summary>One accepted Realtime connection: read the client's events, send server events.</summary>
internal sealed class RealtimeTestConnection(RealtimeTestServer server, WebSocket socket, string query, string? betaHeader, Action abortConnection)
{
    private readonly byte[] _buffer = new byte[4 * 1024 * 1024];
    private int _responses;

    public WebSocket Socket { get; } = socket;

    /// <summary>The URL query (<c>?model=...</c>).</summary>
    public string Query { get; } = query;

    public string? BetaHeader { get; } = betaHeader;

    /// <summary>Every client event received, in order.</summary>
    public ConcurrentQueue<JsonElement> Received { get; } = new();

    /// <summary>Client events of <paramref name="type"/>.</summary>
    public List<JsonElement> Of(string type) => [.. Received.Where(e => e.GetProperty("type").GetString() == type)];

    /// <summary>The audio the client appended, decoded (24 kHz pcm16 bytes).</summary>
    public int AppendedBytes => Of("input_audio_buffer.append").Sum(e => Convert.FromBase64String(e.GetProperty("audio").GetString()!).Length);

    /// <summary>Reads client events until one of <paramref name="type"/> (recording all); null when the client closed.</summary>
    public async Task<JsonElement?> NextAsync(string type, double seconds = 30)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(server.Stopping);
        limit.CancelAfter(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            var e = await ReceiveAsync(limit.Token);
            if (e is null)
            {
                return null;
            }

            if (e.Value.GetProperty("type").GetString() == type)
            {
                return e;
            }
        }
    }

    /// <summary>Sends a server event.</summary>
    public Task SendAsync(string json) => Socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, server.Stopping);

    /// <summary>Sends <paramref name="bytes"/> as one text message (malformed or oversized events).</summary>
    public Task SendRawAsync(byte[] bytes) => Socket.SendAsync(bytes, WebSocketMessageType.Text, true, server.Stopping);

    /// <summary>Drops the connection without a close handshake.</summary>
    public void Drop()
    {
        Socket.Abort();
        abortConnection(); // closes the TCP connection itself
    }

    /// <summary>The default script: every <c>response.create</c> is answered with the server's audio and transcripts.</summary>
    public async Task AnswerEveryTurnAsync()
    {
        while (await NextAsync("response.create", 120) is not null)
        {
            await AnswerAsync(server.AnswerAudio, server.AnswerText, server.UserText);
        }
    }

    /// <summary>
    /// Answers one <c>response.create</c> (already read): response.created, the user's transcript, the audio in
    /// <paramref name="chunkBytes"/> deltas with transcript deltas, then the done events (unless <paramref name="stopAfterChunks"/>).
    /// </summary>
    public async Task<string> AnswerAsync(byte[] pcm, string text, string? userText, int chunkBytes = 4800, int? stopAfterChunks = null, TimeSpan gap = default)
    {
        var n = Interlocked.Increment(ref _responses);
        var response = $"resp_{n}";
        var item = $"item_{n}";
        await SendAsync($$"""{"type":"input_audio_buffer.committed","previous_item_id":null,"item_id":"user_{{n}}"}""");
        await SendAsync($$"""{"type":"response.created","event_id":"e{{n}}a","response":{"id":"{{response}}","status":"in_progress"} }""");
        if (userText is not null)
        {
            await SendAsync($$"""{"type":"conversation.item.input_audio_transcription.completed","item_id":"user_{{n}}","content_index":0,"transcript":{{CloudTestServer.Quote(userText)}} }""");
        }

        await SendAsync($$"""{"type":"response.output_item.added","response_id":"{{response}}","output_index":0,"item":{"id":"{{item}}","type":"message","role":"assistant"} }""");
        var words = text.Split(' ');
        var chunks = 0;
        for (var offset = 0; offset < pcm.Length; offset += chunkBytes)
        {
            if (stopAfterChunks is { } stop && chunks == stop)
            {
                return item;
            }

            var delta = Convert.ToBase64String(pcm, offset, Math.Min(chunkBytes, pcm.Length - offset));
            await SendAsync($$"""{"type":"response.audio.delta","response_id":"{{response}}","item_id":"{{item}}","output_index":0,"content_index":0,"delta":"{{delta}}"}""");
            if (chunks < words.Length)
            {
                await SendAsync($$"""{"type":"response.audio_transcript.delta","response_id":"{{response}}","item_id":"{{item}}","delta":{{CloudTestServer.Quote((chunks == 0 ? string.Empty : " ") + words[chunks])}} }""");
            }

            chunks++;
            if (gap > TimeSpan.Zero)
            {
                await Task.Delay(gap, server.Stopping);
            }
        }

        for (var i = chunks; i < words.Length; i++)
        {
            await SendAsync($$"""{"type":"response.audio_transcript.delta","response_id":"{{response}}","item_id":"{{item}}","delta":{{CloudTestServer.Quote(" " + words[i])}} }""");
        }

        await SendAsync($$"""{"type":"response.audio.done","response_id":"{{response}}","item_id":"{{item}}"}""");
        await SendAsync($$"""{"type":"response.audio_transcript.done","response_id":"{{response}}","item_id":"{{item}}","transcript":{{CloudTestServer.Quote(text)}} }""");
        await SendAsync($$"""{"type":"response.done","response":{"id":"{{response}}","status":"completed"} }""");
        return item;
    }

    /// <summary>
    /// The server's turn detection (<c>server_vad</c> as the API reference describes it), on the audio as it is
    /// appended: an energy VAD over 20 ms frames sends <c>input_audio_buffer.speech_started</c> after 60 ms of speech
    /// and <c>speech_stopped</c> after the session's <c>silence_duration_ms</c> of silence, then
    /// <c>input_audio_buffer.committed</c> and the response, created by the server itself (<paramref name="answer"/>
    /// with the turn's index, after the committed event). It records what the client did against the protocol in
    /// <see cref="Violations"/>: a commit or <c>response.create</c> of its own, an append after the session ended the
    /// turn... <paramref name="stopTurns"/>: how many turns it ends (then it only listens: a server that never ends the turn).
    /// </summary>
    public async Task ServerVadAsync(Func<RealtimeTestConnection, int, Task> answer, int stopTurns = int.MaxValue)
    {
        var silenceMs = 500;
        double appendedMs = 0, speechRunMs = 0, silenceRunMs = 0;
        var inSpeech = false;
        var turns = 0;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(server.Stopping);
        limit.CancelAfter(TimeSpan.FromSeconds(120));
        while (await ReceiveAsync(limit.Token) is { } e)
        {
            switch (e.GetProperty("type").GetString())
            {
                case "session.update":
                    var detection = e.GetProperty("session").GetProperty("turn_detection");
                    if (detection.ValueKind != JsonValueKind.Object || detection.GetProperty("type").GetString() is not ("server_vad" or "semantic_vad"))
                    {
                        Violations.Enqueue($"session.update without a server turn detection: {detection}");
                    }
                    else if (detection.TryGetProperty("silence_duration_ms", out var ms))
                    {
                        silenceMs = ms.GetInt32();
                    }

                    break;
                case "input_audio_buffer.commit" or "response.create":
                    Violations.Enqueue($"the client sent {e.GetProperty("type").GetString()} while the server detects turns");
                    break;
                case "input_audio_buffer.append":
                    var pcm = Convert.FromBase64String(e.GetProperty("audio").GetString()!);
                    const int Frame = 480 * 2; // 20 ms at 24 kHz
                    for (var at = 0; at + Frame <= pcm.Length; at += Frame)
                    {
                        double sum = 0;
                        for (var i = at; i < at + Frame; i += 2)
                        {
                            var v = BitConverter.ToInt16(pcm, i) / 32768.0;
                            sum += v * v;
                        }

                        appendedMs += 20;
                        var speech = Math.Sqrt(sum / 480) > 0.02;
                        speechRunMs = speech ? speechRunMs + 20 : 0;
                        silenceRunMs = speech ? 0 : silenceRunMs + 20;
                        if (!inSpeech && speechRunMs >= 60)
                        {
                            inSpeech = true;
                            SpeechStartedAtMs.Enqueue(appendedMs - speechRunMs);
                            await SendAsync($$"""{"type":"input_audio_buffer.speech_started","audio_start_ms":{{(int)(appendedMs - speechRunMs)}},"item_id":"user_{{_responses + 1}}"}""");
                        }
                        else if (inSpeech && silenceRunMs >= silenceMs && turns < stopTurns)
                        {
                            inSpeech = false;
                            turns++;
                            AppendedMsAtStop.Enqueue(appendedMs);
                            await SendAsync($$"""{"type":"input_audio_buffer.speech_stopped","audio_end_ms":{{(int)(appendedMs - silenceRunMs)}},"item_id":"user_{{_responses + 1}}"}""");
                            await answer(this, turns - 1);
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>Where the server VAD heard speech start, in ms of the appended audio (one per <c>speech_started</c>).</summary>
    public ConcurrentQueue<double> SpeechStartedAtMs { get; } = new();

    /// <summary>The audio appended when each turn's <c>speech_stopped</c> was sent, in ms.</summary>
    public ConcurrentQueue<double> AppendedMsAtStop { get; } = new();

    /// <summary>What the client did against the server-turn-detection protocol.</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>
    /// Answers a turn the server ended (no <c>response.create</c> read): committed, the response; with
    /// <paramref name="lateUserText"/>, the user's transcript only after <c>response.done</c> (as a slow transcription model does).
    /// </summary>
    public async Task AnswerServerTurnAsync(byte[] pcm, string text, string? userText, bool lateUserText = false, TimeSpan gap = default)
    {
        var user = $"user_{_responses + 1}";
        await AnswerAsync(pcm, text, lateUserText ? null : userText, gap: gap);
        if (lateUserText && userText is not null)
        {
            await Task.Delay(300, server.Stopping);
            await SendAsync($$"""{"type":"conversation.item.input_audio_transcription.completed","item_id":"{{user}}","content_index":0,"transcript":{{CloudTestServer.Quote(userText)}} }""");
        }
    }

    /// <summary>Answers one <c>response.create</c> with a function call, then waits for its output and the next <c>response.create</c>.</summary>
    public async Task<JsonElement?> CallToolAsync(string callId, string name, string arguments)
    {
        var n = Interlocked.Increment(ref _responses);
        var response = $"resp_{n}";
        await SendAsync($$"""{"type":"response.created","response":{"id":"{{response}}","status":"in_progress"} }""");
        await SendAsync($$"""{"type":"response.function_call_arguments.delta","response_id":"{{response}}","item_id":"fc_{{n}}","call_id":"{{callId}}","delta":{{CloudTestServer.Quote(arguments)}} }""");
        await SendAsync($$"""{"type":"response.function_call_arguments.done","response_id":"{{response}}","item_id":"fc_{{n}}","call_id":"{{callId}}","name":"{{name}}","arguments":{{CloudTestServer.Quote(arguments)}} }""");
        await SendAsync($$"""{"type":"response.done","response":{"id":"{{response}}","status":"completed"} }""");
        return await NextAsync("conversation.item.create");
    }

    /// <summary>Reads (and records) until the client closes.</summary>
    public async Task ReadUntilClosedAsync()
    {
        while (await ReceiveAsync(server.Stopping) is not null)
        {
        }
    }

    private async Task<JsonElement?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await Socket.ReceiveAsync(_buffer.AsMemory(count), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (Socket.State == WebSocketState.CloseReceived)
                {
                    await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }

                return null;
            }

            count += result.Count;
        }
        while (!result.EndOfMessage);

        using var doc = JsonDocument.Parse(_buffer.AsMemory(0, count));
        var e = doc.RootElement.Clone();
        Received.Enqueue(e);
        return e;
    }
}
