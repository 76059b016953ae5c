using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VoiceAppliance.Tests.Cloud;

/// <summary>A request the test server received, with its multipart form parsed when it had one.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, IReadOnlyDictionary<string, (string? FileName, string? ContentType, byte[] Data)> Form)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string FormText(string name) => Encoding.UTF8.GetString(Form[name].Data);
}

/// <summary>
/// A scriptable OpenAI-compatible server on 127.0.0.1 (<see cref="HttpListener"/>): each path has a FIFO of scripted
/// answers (then a default), and the helpers speak the documented wire formats: JSON, server-sent events ending with
/// <c>data: [DONE]</c>, chunked audio bodies; plus the failures (status codes with Retry-After, a stream that stops,
/// a reset connection, malformed JSON, a 50 MB body). Every request is recorded.
/// </summary>
internal sealed class CloudTestServer : LoopbackHttpServer
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<HttpListenerContext, RecordedRequest, Task>>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<HttpListenerContext, RecordedRequest, Task>> _defaults = new(StringComparer.Ordinal);

    private CloudTestServer() => StartAccepting();

    /// <summary>The API base, <c>http://127.0.0.1:port/v1</c>.</summary>
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/v1");

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int Count(string path) => Requests.Count(r => r.Path == path);

    public static CloudTestServer Start() => new();

    /// <summary>Answers the next request to <paramref name="path"/> (e.g. <c>/v1/chat/completions</c>) with <paramref name="handler"/>.</summary>
    public CloudTestServer Then(string path, Func<HttpListenerContext, RecordedRequest, Task> handler)
    {
        _scripts.GetOrAdd(path, _ => new()).Enqueue(handler);
        return this;
    }

    /// <summary>Answers every request to <paramref name="path"/> with no script left.</summary>
    public CloudTestServer Always(string path, Func<HttpListenerContext, RecordedRequest, Task> handler)
    {
        _defaults[path] = handler;
        return this;
    }

    // ---- wire helpers -------------------------------------------------------------------------------------

    /// <summary><paramref name="text"/> as a JSON string literal.</summary>
    public static string Quote(string text) => System.Text.Json.Nodes.JsonValue.Create(text).ToJsonString();

    public static async Task Json(HttpListenerContext c, string json, int status = 200, params (string Name, string Value)[] headers)
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = "application/json";
        foreach (var (name, value) in headers)
        {
            c.Response.AddHeader(name, value);
        }

        var bytes = Encoding.UTF8.GetBytes(json);
        c.Response.ContentLength64 = bytes.Length;
        await c.Response.OutputStream.WriteAsync(bytes);
        c.Response.Close();
    }

    public static Task Error(HttpListenerContext c, int status, string message, params (string Name, string Value)[] headers) =>
        Json(c, $"{{\"error\":{{\"message\":{Quote(message)},\"type\":\"test\"}}}}", status, headers);

    /// <summary>Streams <paramref name="events"/> as server-sent events (each a <c>data:</c> line and a blank line), then <c>data: [DONE]</c> unless <paramref name="done"/> is false.</summary>
    public static async Task Sse(HttpListenerContext c, IEnumerable<string> events, TimeSpan gap = default, bool done = true, bool close = true, long? declaredLength = null)
    {
        c.Response.StatusCode = 200;
        c.Response.ContentType = "text/event-stream";
        if (declaredLength is { } length)
        {
            c.Response.ContentLength64 = length;
        }
        else
        {
            c.Response.SendChunked = true;
        }

        var output = c.Response.OutputStream;
        await Write(output, ": keep-alive comment\n\n");
        foreach (var e in events)
        {
            await Write(output, $"data: {e}\n\n");
            if (gap > TimeSpan.Zero)
            {
                await Task.Delay(gap);
            }
        }

        if (done)
        {
            await Write(output, "data: [DONE]\n\n");
        }

        if (close)
        {
            c.Response.Close();
        }
    }

    /// <summary>A text delta chunk.</summary>
    public static string TextChunk(string text) =>
        $"{{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{Quote(text)}}},\"finish_reason\":null}}]}}";

    /// <summary>Chunks that stream <paramref name="text"/> a few characters at a time, then the finish chunk.</summary>
    public static IEnumerable<string> TextChunks(string text, int size = 7)
    {
        yield return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}";
        for (var i = 0; i < text.Length; i += size)
        {
            yield return TextChunk(text.Substring(i, Math.Min(size, text.Length - i)));
        }

        yield return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}";
    }

    /// <summary>Chunks of one tool call whose arguments arrive in two fragments, then finish_reason tool_calls.</summary>
    public static IEnumerable<string> ToolCallChunks(string id, string name, string arguments)
    {
        var half = arguments.Length / 2;
        static string Frag(string s) => Quote(s);
        yield return $"{{\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{{\"index\":0,\"id\":\"{id}\",\"type\":\"function\",\"function\":{{\"name\":\"{name}\",\"arguments\":\"\"}}}}]}},\"finish_reason\":null}}]}}";
        yield return $"{{\"choices\":[{{\"index\":0,\"delta\":{{\"tool_calls\":[{{\"index\":0,\"function\":{{\"arguments\":{Frag(arguments[..half])}}}}}]}},\"finish_reason\":null}}]}}";
        yield return $"{{\"choices\":[{{\"index\":0,\"delta\":{{\"tool_calls\":[{{\"index\":0,\"function\":{{\"arguments\":{Frag(arguments[half..])}}}}}]}},\"finish_reason\":null}}]}}";
        yield return "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}";
    }

    /// <summary>
    /// Streams <paramref name="body"/> chunked, <paramref name="chunkBytes"/> at a time. <paramref name="cutAfter"/>
    /// declares the whole length instead and drops the connection after that many bytes (the client sees the body end
    /// before its Content-Length: a connection cut mid-answer).
    /// </summary>
    public static async Task AudioBody(HttpListenerContext c, byte[] body, string contentType, int chunkBytes = 4800, TimeSpan gap = default, int? cutAfter = null)
    {
        c.Response.StatusCode = 200;
        c.Response.ContentType = contentType;
        if (cutAfter is null)
        {
            c.Response.SendChunked = true;
        }
        else
        {
            c.Response.ContentLength64 = body.Length;
        }

        var output = c.Response.OutputStream;
        for (var i = 0; i < body.Length; i += chunkBytes)
        {
            if (cutAfter is { } cut && i >= cut)
            {
                await output.FlushAsync();
                await Task.Delay(50);
                c.Response.Abort();
                return;
            }

            await output.WriteAsync(body.AsMemory(i, Math.Min(chunkBytes, body.Length - i)));
            await output.FlushAsync();
            if (gap > TimeSpan.Zero)
            {
                await Task.Delay(gap);
            }
        }

        c.Response.Close();
    }

    /// <summary>A body of <paramref name="megabytes"/> MB of zeros, declared with Content-Length or (chunked) not.</summary>
    public static async Task Huge(HttpListenerContext c, string contentType, int megabytes = 50, bool declareLength = true)
    {
        c.Response.StatusCode = 200;
        c.Response.ContentType = contentType;
        if (declareLength)
        {
            c.Response.ContentLength64 = megabytes * 1024L * 1024L;
        }
        else
        {
            c.Response.SendChunked = true;
        }

        var block = new byte[64 * 1024];
        if (contentType == "text/event-stream")
        {
            // one endless event line: "data: xxxx..."
            Array.Fill(block, (byte)'x');
            "data: "u8.CopyTo(block);
        }

        try
        {
            for (long sent = 0; sent < megabytes * 1024L * 1024L; sent += block.Length)
            {
                await c.Response.OutputStream.WriteAsync(block);
            }

            c.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the client stopped reading: expected
            c.Response.Abort();
        }
    }

    /// <summary>Sends <paramref name="events"/> then goes silent with the connection open until the server stops.</summary>
    public async Task SseThenStall(HttpListenerContext c, IEnumerable<string> events)
    {
        await Sse(c, events, done: false, close: false);
        await c.Response.OutputStream.FlushAsync();
        try
        {
            await Task.Delay(Timeout.Infinite, Stopping);
        }
        catch (OperationCanceledException)
        {
        }

        c.Response.Abort();
    }

    /// <summary>Sends <paramref name="events"/> then drops the connection before the declared length was sent.</summary>
    public static async Task SseThenReset(HttpListenerContext c, IEnumerable<string> events)
    {
        await Sse(c, events, done: false, close: false, declaredLength: 64 * 1024);
        await c.Response.OutputStream.FlushAsync();
        await Task.Delay(50);
        c.Response.Abort();
    }

    private static Task Write(Stream output, string text) => output.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask().ContinueWith(_ => output.FlushAsync(), TaskScheduler.Default).Unwrap();

    // ---- the loop ----------------------------------------------------------------------------------------

    protected override async Task HandleAsync(HttpListenerContext c)
    {
        try
        {
            using var body = new MemoryStream();
            await c.Request.InputStream.CopyToAsync(body);
            var headers = c.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => c.Request.Headers[k] ?? string.Empty, StringComparer.OrdinalIgnoreCase);
            var bytes = body.ToArray();
            var path = c.Request.Url!.AbsolutePath;
            var request = new RecordedRequest(c.Request.HttpMethod, path, headers, bytes, Multipart.Parse(c.Request.ContentType, bytes));
            Requests.Enqueue(request);
            Func<HttpListenerContext, RecordedRequest, Task>? handler = null;
            if (_scripts.TryGetValue(path, out var queue) && queue.TryDequeue(out var scripted))
            {
                handler = scripted;
            }
            else
            {
                _defaults.TryGetValue(path, out handler);
            }

            if (handler is null)
            {
                await Error(c, 404, $"no script for {path}");
                return;
            }

            await handler(c, request);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the client went away
        }
    }
}
