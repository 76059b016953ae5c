using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VoiceAppliance.Benchmarks.Cloud;

/// <summary>
/// The bench's OpenAI-compatible server on 127.0.0.1: <c>/v1/chat/completions</c> streams a fixed answer as SSE,
/// <c>/v1/audio/speech</c> streams fixed PCM chunked, <c>/stall/...</c> accepts and never answers.
/// </summary>
internal sealed class BenchServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _pcm;
    private readonly CancellationTokenSource _stop = new();

    public BenchServer(byte[] pcm)
    {
        _pcm = pcm;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/v1/");

    public static IEnumerable<string> Chunks(string text)
    {
        for (var i = 0; i < text.Length; i += 6)
        {
            var piece = text.Substring(i, Math.Min(6, text.Length - i));
            yield return $"{{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{System.Text.Json.Nodes.JsonValue.Create(piece).ToJsonString()}}},\"finish_reason\":null}}]}}";
        }

        yield return "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}";
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext c;
            try
            {
                c = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(c));
        }
    }

    private async Task HandleAsync(HttpListenerContext c)
    {
        try
        {
            await c.Request.InputStream.CopyToAsync(Stream.Null).ConfigureAwait(false);
            var path = c.Request.Url!.AbsolutePath;
            if (path.StartsWith("/stall/", StringComparison.Ordinal))
            {
                await Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                c.Response.Abort();
                return;
            }

            c.Response.SendChunked = true;
            if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
            {
                c.Response.ContentType = "text/event-stream";
                var sb = new StringBuilder();
                foreach (var e in Chunks("Mount Everest is the tallest mountain on Earth. It stands in the Himalayas, between Nepal and China. Its summit is 8849 metres above the sea."))
                {
                    sb.Append("data: ").Append(e).Append("\n\n");
                }

                sb.Append("data: [DONE]\n\n");
                var bytes = Encoding.UTF8.GetBytes(sb.ToString());
                await c.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            }
            else
            {
                c.Response.ContentType = "audio/pcm";
                for (var i = 0; i < _pcm.Length; i += 4800)
                {
                    await c.Response.OutputStream.WriteAsync(_pcm.AsMemory(i, Math.Min(4800, _pcm.Length - i))).ConfigureAwait(false);
                    await c.Response.OutputStream.FlushAsync().ConfigureAwait(false);
                }
            }

            c.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }
}
