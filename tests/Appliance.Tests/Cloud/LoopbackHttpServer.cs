using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace VoiceAppliance.Tests.Cloud;

/// <summary>
/// An <see cref="HttpListener"/> on a free port of 127.0.0.1 that hands every request to <see cref="HandleAsync"/> on
/// its own task, and on dispose stops listening and waits (bounded) for the accept loop and the handlers: the part the
/// cloud test servers (HTTP and Realtime WebSocket) share.
/// </summary>
public abstract class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _handlers = [];
    private Task _loop = Task.CompletedTask;

    protected LoopbackHttpServer()
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                Port = port;
                return;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // The port was taken between the probe and the listener: try another.
                listener.Close();
            }
        }
    }

    public int Port { get; }

    /// <summary>Cancelled when the server stops: scripts that hang wait on it.</summary>
    public CancellationToken Stopping => _stop.Token;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        OnStopping();

        // Close alone (it stops and aborts the connections): on Linux, Stop() releases the port and a Close() after it
        // looks the port up again, which binds it anew and fails with "Address already in use" when another test's
        // socket took the port meanwhile.
        _listener.Close();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(10));
            await Task.WhenAll(_handlers).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is ObjectDisposedException or HttpListenerException or TimeoutException or WebSocketException or OperationCanceledException)
        {
            // A handler that failed or hangs past the test's end: nothing more to wait for.
        }

        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts accepting requests; the derived constructor calls it last, when its own state is set.</summary>
    protected void StartAccepting() => _loop = Task.Run(LoopAsync);

    /// <summary>Answers one request.</summary>
    protected abstract Task HandleAsync(HttpListenerContext context);

    /// <summary>Called on dispose before the listener stops (to abort open connections).</summary>
    protected virtual void OnStopping()
    {
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _handlers.Add(Task.Run(() => HandleAsync(context)));
        }
    }
}
