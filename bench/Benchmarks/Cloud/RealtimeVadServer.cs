using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace VoiceAppliance.Benchmarks.Cloud;

/// <summary>
/// A local OpenAI Realtime server for the bench and for running the realtime mode by hand (or in the NativeAOT job):
/// <c>bench cloud serve-realtime [--port N]</c>. Per connection it follows the session's <c>turn_detection</c>: with
/// <c>server_vad</c>/<c>semantic_vad</c> an energy VAD over the appended audio (20 ms frames) sends
/// <c>speech_started</c> after 60 ms of speech and <c>speech_stopped</c> after <c>silence_duration_ms</c> (500 ms for
/// semantic_vad) of silence, then <c>committed</c> and the response; with turn detection off it answers each
/// <c>response.create</c>. The answer is 1 s of a 440 Hz tone in 100 ms deltas with the transcript "This is the local
/// realtime server.", and the user's transcript says how much speech it heard.
/// </summary>
internal sealed class RealtimeVadServer : IDisposable
{
    public const string AnswerText = "This is the local realtime server.";

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly string[] _deltas;

    public RealtimeVadServer(int port = 0)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        var pcm = new byte[48000];
        for (var i = 0; i < 24000; i++)
        {
            BitConverter.TryWriteBytes(pcm.AsSpan(i * 2), (short)(6000 * Math.Sin(2 * Math.PI * 440 * i / 24000)));
        }

        _deltas = [.. Enumerable.Range(0, 10).Select(i => Convert.ToBase64String(pcm, i * 4800, 4800))];
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    /// <summary>Stopwatch timestamp of each connection's first append (the bench's "first append" figure).</summary>
    public long FirstAppendAt { get; private set; }

    /// <summary>Appended audio (ms) received before <see cref="Mark"/> was last set.</summary>
    public double AppendedMs { get; private set; }

    /// <summary>Stopwatch timestamp of each <c>speech_stopped</c> sent.</summary>
    public long StoppedAt { get; private set; }

    /// <summary>Every line of what happened, for the serve command's log.</summary>
    public Action<string>? Log { get; init; }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>Forgets the figures of the last turn.</summary>
    public void Reset()
    {
        FirstAppendAt = 0;
        AppendedMs = 0;
        StoppedAt = 0;
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        client.NoDelay = true;
        var stream = client.GetStream();
        try
        {
            await RealtimeBench.HandshakeAsync(stream);
            using var ws = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true });
            Log?.Invoke("connected");
            var buffer = new byte[1 << 22];
            var silenceMs = 500;
            var serverTurns = false;
            double speechRun = 0, silenceRun = 0, appended = 0, heard = 0;
            var inSpeech = false;
            var n = 0;
            while (ws.State == WebSocketState.Open)
            {
                var count = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    r = await ws.ReceiveAsync(buffer.AsMemory(count), _stop.Token);
                    count += r.Count;
                }
                while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);

                if (r.MessageType == WebSocketMessageType.Close)
                {
                    Log?.Invoke("closed by the client");
                    return;
                }

                using var doc = JsonDocument.Parse(buffer.AsMemory(0, count));
                var e = doc.RootElement;
                var type = e.GetProperty("type").GetString();
                if (type != "input_audio_buffer.append")
                {
                    Log?.Invoke("client: " + type);
                }

                switch (type)
                {
                    case "session.update":
                        var detection = e.GetProperty("session").GetProperty("turn_detection");
                        serverTurns = detection.ValueKind == JsonValueKind.Object;
                        if (serverTurns && detection.TryGetProperty("silence_duration_ms", out var ms))
                        {
                            silenceMs = ms.GetInt32();
                        }

                        Log?.Invoke($"turn detection: {(serverTurns ? detection.GetProperty("type").GetString() : "off (the client ends turns)")}");
                        break;
                    case "response.create":
                        await AnswerAsync(ws, ++n, $"{heard:0} ms of speech");
                        break;
                    case "input_audio_buffer.append":
                        if (FirstAppendAt == 0)
                        {
                            FirstAppendAt = Stopwatch.GetTimestamp();
                        }

                        var pcm = Convert.FromBase64String(e.GetProperty("audio").GetString()!);
                        for (var at = 0; at + 960 <= pcm.Length; at += 960)
                        {
                            double sum = 0;
                            for (var i = at; i < at + 960; i += 2)
                            {
                                var v = BitConverter.ToInt16(pcm, i) / 32768.0;
                                sum += v * v;
                            }

                            appended += 20;
                            AppendedMs = appended;
                            var speech = Math.Sqrt(sum / 480) > 0.02;
                            speechRun = speech ? speechRun + 20 : 0;
                            silenceRun = speech ? 0 : silenceRun + 20;
                            heard += speech ? 20 : 0;
                            if (!serverTurns)
                            {
                                continue;
                            }

                            if (!inSpeech && speechRun >= 60)
                            {
                                inSpeech = true;
                                await Send(ws, $$"""{"type":"input_audio_buffer.speech_started","audio_start_ms":{{(int)(appended - speechRun)}},"item_id":"user_{{n + 1}}"}""");
                                Log?.Invoke($"server: speech_started at {appended - speechRun:0} ms");
                            }
                            else if (inSpeech && silenceRun >= silenceMs)
                            {
                                inSpeech = false;
                                StoppedAt = Stopwatch.GetTimestamp();
                                await Send(ws, $$"""{"type":"input_audio_buffer.speech_stopped","audio_end_ms":{{(int)(appended - silenceRun)}},"item_id":"user_{{n + 1}}"}""");
                                Log?.Invoke($"server: speech_stopped at {appended - silenceRun:0} ms; answering");
                                await AnswerAsync(ws, ++n, $"{heard:0} ms of speech");
                                heard = 0;
                            }
                        }

                        break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or InvalidOperationException or JsonException)
        {
            Log?.Invoke("connection ended: " + ex.Message);
        }
    }

    private async Task AnswerAsync(WebSocket ws, int n, string heard)
    {
        await Send(ws, $$"""{"type":"input_audio_buffer.committed","previous_item_id":null,"item_id":"user_{{n}}"}""");
        await Send(ws, $$"""{"type":"response.created","response":{"id":"resp_{{n}}","status":"in_progress"} }""");
        await Send(ws, $$"""{"type":"conversation.item.input_audio_transcription.completed","item_id":"user_{{n}}","content_index":0,"transcript":"({{heard}})"}""");
        for (var i = 0; i < _deltas.Length; i++)
        {
            await Send(ws, $$"""{"type":"response.audio.delta","response_id":"resp_{{n}}","item_id":"item_{{n}}","output_index":0,"content_index":0,"delta":"{{_deltas[i]}}"}""");
            if (i == 0)
            {
                await Send(ws, $$"""{"type":"response.audio_transcript.delta","response_id":"resp_{{n}}","item_id":"item_{{n}}","delta":"{{AnswerText}}"}""");
            }
        }

        await Send(ws, $$"""{"type":"response.done","response":{"id":"resp_{{n}}","status":"completed"} }""");
    }

    private static Task Send(WebSocket ws, string json) => ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
}
