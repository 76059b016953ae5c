using System.Diagnostics;
using System.Globalization;
using System.Text;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>
/// Hostile input on every command topic against a daemon in a child process: empty, 1 MB, invalid UTF-8, wrong JSON
/// types, out-of-range numbers, a 100k-character say, control characters, deep nesting. Afterwards a valid command is
/// still answered and the child's RSS has not grown more than a few MB between a warm-up round and three more rounds.
/// </summary>
public sealed class MqttHostileInputTests(ITestOutputHelper output)
{
    private static readonly string[] Topics =
        ["listen", "stop", "say", "mute/set", "volume/set", "intercom/play", "intercom/play/hall", "intercom/send", "reply", "nope", "say/extra"];

    private static IEnumerable<byte[]> Payloads()
    {
        var rng = new Random(1515);
        var megabyte = new byte[1024 * 1024];
        rng.NextBytes(megabyte);
        yield return [];
        yield return megabyte;
        yield return [0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1];                     // invalid UTF-8
        yield return Encoding.UTF8.GetBytes("{\"text\":5}");
        yield return Encoding.UTF8.GetBytes("{\"volume\":\"loud\"}");
        yield return Encoding.UTF8.GetBytes("{\"muted\":\"yes\"}");
        yield return Encoding.UTF8.GetBytes("{\"targets\":{\"a\":1}}");
        yield return Encoding.UTF8.GetBytes("{\"id\":[],\"text\":null,\"final\":\"no\"}");
        yield return Encoding.UTF8.GetBytes("[]");
        yield return Encoding.UTF8.GetBytes("null");
        yield return Encoding.UTF8.GetBytes("-1");
        yield return Encoding.UTF8.GetBytes("101");
        yield return Encoding.UTF8.GetBytes("1e309");
        yield return Encoding.UTF8.GetBytes("99999999999999999999999");
        yield return Encoding.UTF8.GetBytes("{\"volume\":1000}");
        yield return Encoding.UTF8.GetBytes("{\"text\":\"hi\",\"volume\":-5}");
        yield return Encoding.UTF8.GetBytes(new string('a', 100_000));
        yield return Encoding.UTF8.GetBytes("{\"text\":\"" + new string('b', 100_000) + "\"}");
        yield return Encoding.UTF8.GetBytes("\u0000\u0007\u001b[31mred\u001b[0m\r\n\t\u007f");
        yield return Encoding.UTF8.GetBytes("{\"text\":\"\\u0000\\u001b[2J\"}");
        yield return Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000));
        yield return Encoding.UTF8.GetBytes("RIFF\u0010\u0000\u0000\u0000WAVEfmt ");
    }

    [RequiresProgramFact("mosquitto")]
    public void Thousands_of_hostile_commands_leave_it_answering_without_growing()
    {
        var stateDir = MqttTestOptions.NewStateDir();
        using var broker = MosquittoBroker.Start();
        using var peer = new TestPeer(broker.Port, filters: ["appliance/hostile/event/session"]);
        var dll = typeof(TestHostEntry).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet", ["exec", dll, "mqtt-echo", broker.Port.ToString(CultureInfo.InvariantCulture), stateDir, "hostile"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // The shipped daemon is NativeAOT: no JIT. Tiered compilation would re-JIT hot methods between rounds and
        // show up as growth that is not the MQTT code's, so the child JITs each method once, fully optimised.
        psi.Environment["DOTNET_TieredCompilation"] = "0";
        using var child = Process.Start(psi)!;
        try
        {
            var ready = child.StandardOutput.ReadLineAsync();
            Assert.True(ready.Wait(TimeSpan.FromSeconds(30)), "child did not report ready: " + (child.HasExited ? child.StandardError.ReadToEnd() : "still running"));
            var payloads = Payloads().ToList();

            var sent = Round(peer, payloads, 1);
            AssertAnswers(peer, "warm-up");
            var rssAfterWarmUp = Rss(child);
            var trace = new List<long> { rssAfterWarmUp };
            for (var round = 0; round < 3; round++)
            {
                sent += Round(peer, payloads, 1);
                AssertAnswers(peer, "round " + round.ToString(CultureInfo.InvariantCulture));
                trace.Add(Rss(child));
            }

            // Each round also sends the small payloads many more times: thousands of messages in all.
            var small = payloads.Where(p => p.Length < 1024).ToList();
            sent += Round(peer, small, 10);
            AssertAnswers(peer, "small flood");
            var rssAfter = Rss(child);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{sent} hostile messages on {Topics.Length} command topics; child RSS after the warm-up round {rssAfterWarmUp / 1024.0:F1} MB, after all {rssAfter / 1024.0:F1} MB (growth {(rssAfter - rssAfterWarmUp) / 1024.0:F1} MB; per round: {string.Join(", ", trace.Select(t => (t / 1024.0).ToString("F1", CultureInfo.InvariantCulture)))} MB)"));
            Assert.True(sent > 2000, $"only {sent} messages sent");
            Assert.True(rssAfter - rssAfterWarmUp < 6 * 1024, $"RSS grew from {rssAfterWarmUp} kB to {rssAfter} kB");
            Assert.False(child.HasExited);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }

            child.WaitForExit(10_000);
            try
            {
                Directory.Delete(stateDir, true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static int Round(TestPeer peer, List<byte[]> payloads, int repeat)
    {
        var sent = 0;
        for (var r = 0; r < repeat; r++)
        {
            foreach (var topic in Topics)
            {
                foreach (var payload in payloads)
                {
                    // QoS 1 and waited for: the broker takes them at the pace the appliance drains them, bounded in time.
                    peer.Publish("appliance/hostile/cmd/" + topic, payload, 1, wait: payload.Length > 64 * 1024);
                    sent++;
                }
            }
        }

        return sent;
    }

    /// <summary>A valid say is answered (the child echoes it as a final transcript).</summary>
    private static void AssertAnswers(TestPeer peer, string when)
    {
        var marker = "still here " + when + " " + Guid.NewGuid().ToString("N")[..6];
        peer.Publish("appliance/hostile/cmd/say", marker);
        peer.WaitFor("appliance/hostile/event/session", r => r.Text.Contains(marker, StringComparison.Ordinal), 60);
    }

    /// <summary>The child's VmRSS in kB after a full, compacting, decommitting collection (what it retains).</summary>
    private static long Rss(Process child)
    {
        child.StandardInput.WriteLine("measure");
        child.StandardInput.Flush();
        var answer = child.StandardOutput.ReadLineAsync();
        Assert.True(answer.Wait(TimeSpan.FromSeconds(60)), "the child did not answer 'measure'");
        var parts = answer.Result!.Split(' ');
        Assert.Equal("rss", parts[0]);
        return long.Parse(parts[1], CultureInfo.InvariantCulture);
    }
}
