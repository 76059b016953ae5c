using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Cloud;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Benchmarks.Cloud;

/// <summary>
/// The realtime client's own cost over a local Realtime WebSocket server on 127.0.0.1 (part of <c>bench cloud</c>):
/// from the server sending the first <c>response.audio.delta</c> (100 ms of 24 kHz pcm16) to the client handing the
/// decoded samples to the speaker (receive, JSON, base64, conversion), and the whole turn (1 s utterance resampled and
/// sent, commit, answer) on a kept connection.
/// </summary>
internal static class RealtimeBench
{
    public static async Task RunAsync(int runs)
    {
        // A raw TCP listener with the WebSocket handshake done here, so the server socket can set NoDelay (an
        // HttpListener's small writes wait for the client's delayed ACK, ~40 ms, which would be measured instead).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var sentAt = 0L;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            client.NoDelay = true;
            var stream = client.GetStream();
            await HandshakeAsync(stream);
            using var ws = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true });
            var buffer = new byte[1 << 20];
            var delta = Convert.ToBase64String(new byte[4800]);
            var n = 0;
            while (ws.State == WebSocketState.Open)
            {
                var count = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    r = await ws.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    count += r.Count;
                }
                while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);

                if (r.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (!Encoding.UTF8.GetString(buffer, 0, Math.Min(count, 64)).Contains("\"response.create\"", StringComparison.Ordinal))
                {
                    continue;
                }

                n++;
                await Send(ws, $$"""{"type":"response.created","response":{"id":"r{{n}}"} }""");
                Volatile.Write(ref sentAt, Stopwatch.GetTimestamp());
                await Send(ws, $$"""{"type":"response.audio.delta","response_id":"r{{n}}","item_id":"i{{n}}","delta":"{{delta}}"}""");
                await Send(ws, $$"""{"type":"response.done","response":{"id":"r{{n}}","status":"completed"} }""");
            }
        });

        var options = new RealtimeOptions { BaseUrl = new Uri($"ws://127.0.0.1:{port}/v1/realtime"), Model = "bench", FollowUp = false };
        await using var realtime = new RealtimeSpeech(options, null, null, TimeProvider.System, NullLogger.Instance);
        var utterance = new float[16000];
        var firstAudio = new List<double>();
        var turns = new List<double>();
        for (var i = 0; i < runs + 3; i++)
        {
            var sink = new Sink();
            var t = Stopwatch.GetTimestamp();
            var reply = await realtime.RespondAsync("bench", utterance, 16000, sink, CancellationToken.None);
            var turn = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            if (reply.FailureReason is not null || sink.PlayedAt == 0)
            {
                throw new InvalidOperationException($"the realtime bench turn failed: {reply.FailureReason} {reply.FailureMessage}");
            }

            if (i >= 3)
            {
                firstAudio.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref sentAt), sink.PlayedAt).TotalMilliseconds);
                turns.Add(turn);
            }
        }

        realtime.EndSession("bench");
        await server.WaitAsync(TimeSpan.FromSeconds(10));
        Console.WriteLine($"realtime: first audio delta sent -> samples handed to the speaker: {Median(firstAudio):F2} ms (p95 {P95(firstAudio):F2}); whole turn on a kept connection (1 s utterance up as 10 appends, commit, answer): {Median(turns):F2} ms (p95 {P95(turns):F2})");
    }

    /// <summary>
    /// The server-VAD turn (<c>TurnDetection server_vad</c>): a listening turn's audio (300 ms pre-roll, 1.5 s of
    /// speech, then silence) handed to the provider in 32 ms windows at real time, as the front end's ring would;
    /// the local server runs its VAD on the appends. Figures: the first window handed out -> the server has the first
    /// append; how much of the speech had reached the server when its last window was handed out (audio streamed while
    /// speaking); the server's speech_stopped -> the answer's first samples at the speaker.
    /// </summary>
    public static async Task RunServerVadAsync(int runs)
    {
        using var server = new RealtimeVadServer();
        var options = new RealtimeOptions { BaseUrl = new Uri($"ws://127.0.0.1:{server.Port}/v1/realtime"), Model = "bench", FollowUp = false, TurnDetection = RealtimeOptions.ServerVad };
        await using var realtime = new RealtimeSpeech(options, null, null, TimeProvider.System, NullLogger.Instance);
        var firstAppend = new List<double>();
        var streamed = new List<double>();
        var stopToAudio = new List<double>();
        for (var i = 0; i < runs + 1; i++)
        {
            server.Reset();
            var source = new PacedSource(0.3, 1.5, 2.5);
            var sink = new Sink();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var feeding = source.FeedAsync(server, cts.Token);
            var reply = await realtime.ConverseAsync("bench-vad-" + i, source, 16000, sink, cts.Token);
            await cts.CancelAsync();
            await feeding;
            realtime.EndSession("bench-vad-" + i);
            if (reply.FailureReason is not null || sink.PlayedAt == 0)
            {
                throw new InvalidOperationException($"the server-VAD bench turn failed: {reply.FailureReason} {reply.FailureMessage}");
            }

            if (i >= 1)
            {
                firstAppend.Add(Stopwatch.GetElapsedTime(source.FirstAt, server.FirstAppendAt).TotalMilliseconds);
                streamed.Add(Math.Min(1, (source.AppendedAtSpeechEnd - 300) / 1500));
                stopToAudio.Add(Stopwatch.GetElapsedTime(server.StoppedAt, sink.PlayedAt).TotalMilliseconds);
            }
        }

        Console.WriteLine($"realtime server_vad: first window -> first append at the server {Median(firstAppend):F1} ms (p95 {P95(firstAppend):F1}); speech at the server when its last window was captured {Median(streamed) * 100:F0} % (min {streamed.Min() * 100:F0} %); speech_stopped -> first answer samples at the speaker {Median(stopToAudio):F2} ms (p95 {P95(stopToAudio):F2}); {runs} turns, audio at real time");
    }

    private static Task Send(WebSocket ws, string json) => ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    internal static async Task HandshakeAsync(NetworkStream stream)
    {
        var request = new StringBuilder();
        var one = new byte[1];
        while (!request.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one) == 0 || request.Length > 16384)
            {
                throw new InvalidOperationException("no WebSocket handshake");
            }

            request.Append((char)one[0]);
        }

        var key = request.ToString().Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))["Sec-WebSocket-Key:".Length..].Trim();
#pragma warning disable CA5350 // RFC 6455 defines Sec-WebSocket-Accept with SHA-1; it is not used for security here
        var accept = Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"));
    }

    private static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);

    private static double P95(List<double> v) => v.Order().ElementAt(Math.Min(v.Count - 1, (int)Math.Ceiling(v.Count * 0.95) - 1));

    /// <summary>A listening turn's audio at real time in 32 ms windows: pre-roll noise, a 220 Hz tone as speech, silence.</summary>
    private sealed class PacedSource(double preRoll, double speech, double silence) : IRealtimeAudioSource
    {
        private readonly System.Threading.Channels.Channel<float[]> _windows = System.Threading.Channels.Channel.CreateUnbounded<float[]>();
        private float[] _pending = [];
        private int _at;

        public long DroppedSamples => 0;

        public Task<UtteranceEnd> DeviceEnded { get; } = new TaskCompletionSource<UtteranceEnd>().Task;

        public long FirstAt { get; private set; }

        /// <summary>Ms of audio the server had when the last speech window was handed out.</summary>
        public double AppendedAtSpeechEnd { get; private set; }

        public async Task FeedAsync(RealtimeVadServer server, CancellationToken cancellationToken)
        {
            var total = (int)((preRoll + speech + silence) * 16000);
            var speechEnd = (int)((preRoll + speech) * 16000);
            var start = Stopwatch.GetTimestamp();
            try
            {
                for (int at = 0, k = 0; at < total; at += 512, k++)
                {
                    var window = new float[512];
                    for (var i = 0; i < 512; i++)
                    {
                        var n = at + i;
                        window[i] = n >= preRoll * 16000 && n < speechEnd ? 0.3f * MathF.Sin(2 * MathF.PI * 220 * n / 16000f) : 0.001f * ((n * 7919 % 200) - 100) / 100f;
                    }

                    if (k == 0)
                    {
                        FirstAt = Stopwatch.GetTimestamp();
                    }

                    _windows.Writer.TryWrite(window);
                    if (at < speechEnd && at + 512 >= speechEnd)
                    {
                        await Task.Delay(1, cancellationToken); // the window is handed out; what has the server got
                        AppendedAtSpeechEnd = server.AppendedMs;
                    }

                    var due = start + ((k + 1) * Stopwatch.Frequency * 512 / 16000);
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask<int> ReadAsync(Memory<float> buffer, int minimum, CancellationToken cancellationToken)
        {
            var n = 0;
            while (n < Math.Min(minimum, buffer.Length))
            {
                if (_at == _pending.Length)
                {
                    _pending = await _windows.Reader.ReadAsync(cancellationToken);
                    _at = 0;
                }

                var take = Math.Min(buffer.Length - n, _pending.Length - _at);
                _pending.AsSpan(_at, take).CopyTo(buffer.Span[n..]);
                _at += take;
                n += take;
            }

            return n;
        }
    }

    private sealed class Sink : IRealtimeTurn
    {
        private WorkflowTurn? _workflow;

        public long PlayedAt { get; private set; }

        public WorkflowTurn Workflow => _workflow ??= new WorkflowTurn("bench", 0, string.Empty, ReadOnlyMemory<float>.Empty, 16000, new NoAppliance());

        public bool AudioStarted => PlayedAt != 0;

        public void RequestSent()
        {
        }

        public void SpeechStarted()
        {
        }

        public bool ServerEndedTurn() => true;

        public void UserTranscript(string text)
        {
        }

        public void ReplyText(string delta)
        {
        }

        public ValueTask PlayAsync(ReadOnlyMemory<float> samples, int sampleRate, string itemId, CancellationToken cancellationToken)
        {
            if (PlayedAt == 0)
            {
                PlayedAt = Stopwatch.GetTimestamp();
            }

            return ValueTask.CompletedTask;
        }

        /// <summary>Nothing plays: the answer counts as heard at once (a server turn does not wait for a speaker).</summary>
        public int HeardMilliseconds(string itemId) => int.MaxValue;
    }

    private sealed class NoAppliance : IApplianceControl
    {
        public int Volume { get; set; } = 50;

        public void MuteAfterReply()
        {
        }

        public bool Say(string text) => false;
    }
}
