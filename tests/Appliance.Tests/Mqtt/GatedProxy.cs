using System.Net;
using System.Net.Sockets;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of the broker whose gate the fault test closes while the broker restarts, so
/// the appliance reconnects only after the test's consumer has subscribed again: a report the broker takes while
/// nobody is subscribed is the broker's to lose, not the appliance's. Closed: connections are accepted and dropped.
/// </summary>
internal sealed class GatedProxy : IDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private bool _gateOpen = true; // under the _open lock, with _generation
    private int _generation; // bumped by Close; a connection accepted before it is never forwarded after it

    public GatedProxy(int targetPort)
    {
        _target = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    public void Open()
    {
        lock (_open)
        {
            _gateOpen = true;
        }
    }

    /// <summary>Refuses new connections and drops the forwarded ones.</summary>
    public void Close()
    {
        lock (_open)
        {
            _gateOpen = false;
            _generation++;
            foreach (var c in _open)
            {
                c.Dispose();
            }

            _open.Clear();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Close();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            bool gateOpen;
            int generation;
            lock (_open)
            {
                gateOpen = _gateOpen;
                generation = _generation;
            }

            if (!gateOpen)
            {
                inbound.Dispose();
                continue;
            }

            _ = ForwardAsync(inbound, generation);
        }
    }

    private async Task ForwardAsync(TcpClient inbound, int generation)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _target).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            inbound.Dispose();
            outbound.Dispose();
            return;
        }

        lock (_open)
        {
            if (generation != _generation)
            {
                // Close ran while this connection was being set up: it must not outlive the gate (a daemon publishing
                // through it after Close would reach a broker the test is about to kill).
                inbound.Dispose();
                outbound.Dispose();
                return;
            }

            _open.Add(inbound);
            _open.Add(outbound);
        }

        var a = inbound.GetStream().CopyToAsync(outbound.GetStream());
        var b = outbound.GetStream().CopyToAsync(inbound.GetStream());
        try
        {
            await Task.WhenAny(a, b).ConfigureAwait(false);
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
            lock (_open)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }
        }
    }
}
