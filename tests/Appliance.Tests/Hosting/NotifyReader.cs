using System.Net.Sockets;
using System.Text;

namespace VoiceAppliance.Tests.Hosting;

/// <summary>Reads sd_notify datagrams until one contains the wanted text (failing early if the daemon exits).</summary>
internal sealed class NotifyReader(Socket socket)
{
    private readonly List<string> _seen = [];

    public string WaitFor(string text, Task<int> run, StringWriter stderr)
    {
        socket.ReceiveTimeout = 500;
        var buffer = new byte[4096];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var earlier = _seen.FirstOrDefault(s => s.Contains(text, StringComparison.Ordinal));
            if (earlier is not null)
            {
                _seen.Remove(earlier);
                return earlier;
            }

            try
            {
                var n = socket.Receive(buffer);
                _seen.Add(Encoding.UTF8.GetString(buffer, 0, n));
            }
            catch (SocketException) when (!run.IsCompleted)
            {
            }
            catch (SocketException)
            {
                throw new Xunit.Sdk.XunitException($"the daemon exited with {run.Result} before '{text}': {stderr}");
            }
        }

        throw new TimeoutException($"no '{text}' on NOTIFY_SOCKET; saw: {string.Join(" | ", _seen)}; stderr: {stderr}");
    }

    /// <summary>
    /// Reads datagrams until none containing <paramref name="text"/> arrived for <paramref name="quiet"/> (the pings
    /// stopped); throws when they keep coming for 60 s.
    /// </summary>
    public void WaitForSilence(string text, TimeSpan quiet, Task<int> run, StringWriter stderr)
    {
        _seen.RemoveAll(s => s.Contains(text, StringComparison.Ordinal));
        socket.ReceiveTimeout = 200;
        var buffer = new byte[4096];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            if (DateTime.UtcNow - last >= quiet)
            {
                return;
            }

            try
            {
                var n = socket.Receive(buffer);
                var got = Encoding.UTF8.GetString(buffer, 0, n);
                if (got.Contains(text, StringComparison.Ordinal))
                {
                    last = DateTime.UtcNow;
                }
                else
                {
                    _seen.Add(got);
                }
            }
            catch (SocketException) when (!run.IsCompleted)
            {
            }
            catch (SocketException)
            {
                throw new Xunit.Sdk.XunitException($"the daemon exited with {run.Result} while waiting for '{text}' to stop: {stderr}");
            }
        }

        throw new TimeoutException($"'{text}' kept coming on NOTIFY_SOCKET for 60 s; stderr: {stderr}");
    }
}
