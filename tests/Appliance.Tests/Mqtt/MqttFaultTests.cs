using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>
/// The fault script: a daemon (a child process) streams session reports and device actions while the broker is
/// killed (SIGKILL) and restarted at random points ten times and the daemon itself is killed and restarted twice.
/// Every durable report queued must arrive at least once, in order per session, duplicates only with the same id and
/// payload, and no device action may arrive after its time to live. The counts are printed (test output).
/// </summary>
public sealed class MqttFaultTests(ITestOutputHelper output) : MqttBrokerTests
{
    private const int TtlSeconds = 2;
    private const string FlushTopic = "appliance/fault/flush";

    [RequiresProgramFact("mosquitto")]
    public void Reports_survive_ten_broker_kills_and_two_daemon_kills_without_broker_persistence() => Run(brokerPersistence: false);

    [RequiresProgramFact("mosquitto")]
    public void Reports_survive_ten_broker_kills_and_two_daemon_kills_with_broker_persistence() => Run(brokerPersistence: true);

    private void Run(bool brokerPersistence)
    {
        var stateDir = MqttTestOptions.NewStateDir();
        using var broker = MosquittoBroker.Start(persistence: brokerPersistence);
        using var consumer = new TestPeer(broker.Port, filters: ["appliance/fault/event/session", "appliance/fault/intent/#", FlushTopic]);
        using var proxy = new GatedProxy(broker.Port);
        var lines = new ConcurrentQueue<string>();
        var timeline = new List<(long Ms, string What)>();
        void Mark(string what) => timeline.Add((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), what));
        var random = new Random(brokerPersistence ? 15 : 51);
        var run = 1;
        var child = StartChild("mqtt-stream", proxy.Port, stateDir, run, lines);
        // Ten broker kills and two daemon kills, in a random order, each after a random stretch of streaming.
        // Two of the broker outages outlast the actions' time to live, so some actions must expire.
        var plan = Enumerable.Repeat("broker", 8).Concat(["long broker", "long broker", "daemon", "daemon"]).OrderBy(_ => random.Next()).ToList();
        try
        {
            foreach (var step in plan)
            {
                Thread.Sleep(random.Next(150, 900));
                if (step.EndsWith("broker", StringComparison.Ordinal))
                {
                    proxy.Close();
                    Mark("proxy closed");
                    LetTheBrokerForward(consumer, timeline.Count);
                    Mark("broker forwarded");
                    var before = consumer.Client.ConnectCount;
                    broker.Stop(kill: true);
                    Mark("broker killed");
                    Thread.Sleep(step == "long broker" ? (TtlSeconds * 1000) + random.Next(500, 1500) : random.Next(0, 400));
                    broker.Launch();
                    WaitUntil(() => consumer.Client.ConnectCount > before, 30, "the consumer to subscribe again");
                    proxy.Open();
                    Mark("proxy open");
                }
                else
                {
                    Kill(child);
                    Mark($"daemon r{run} killed");
                    run++;
                    child = StartChild("mqtt-stream", proxy.Port, stateDir, run, lines);
                }
            }

            Thread.Sleep(500);
            Kill(child);
            Mark($"daemon r{run} killed");
            // A last daemon delivers what the killed one left in the outbox, and says when it is empty.
            run++;
            child = StartChild("mqtt-drain", proxy.Port, stateDir, run, lines);
            WaitUntil(() => lines.Any(l => l.StartsWith("drained", StringComparison.Ordinal)), 60, "the last daemon to drain the outbox");
        }
        finally
        {
            Kill(child);
        }

        var queuedLines = lines.Where(l => l.StartsWith("q ", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToList();
        var queued = queuedLines.Select(p => (Session: p[1], N: int.Parse(p[2], CultureInfo.InvariantCulture))).ToList();
        var actions = lines.Where(l => l.StartsWith("a ", StringComparison.Ordinal)).Count();
        // Wait (up to 30 s) until every queued report has arrived; what is still missing then is counted and fails the test.
        var missing = queued.Count;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var keys = consumer.Snapshot().Where(r => r.Topic == "appliance/fault/event/session")
                .Select(r => r.Json).Select(j => (j.GetProperty("session_id").GetString()!, j.GetProperty("turn").GetInt32())).ToHashSet();
            missing = queued.Count(q => !keys.Contains(q));
            if (missing == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            Thread.Sleep(200);
        }

        var received = consumer.Snapshot();
        var reports = received.Where(r => r.Topic == "appliance/fault/event/session").Select(r => (r.Text, Json: r.Json)).ToList();
        var duplicates = reports.Count - reports.Select(r => r.Json.GetProperty("id").GetString()).Distinct().Count();
        var sameIdDifferentPayload = reports.GroupBy(r => r.Json.GetProperty("id").GetString()).Count(g => g.Select(r => r.Text).Distinct().Count() > 1);
        var outOfOrder = reports.GroupBy(r => r.Json.GetProperty("session_id").GetString())
            .Count(g => !IsIncreasing(FirstSeen(g.Select(r => r.Json.GetProperty("turn").GetInt32()))));
        var intents = received.Where(r => r.Topic.StartsWith("appliance/fault/intent/", StringComparison.Ordinal)).ToList();
        // Late: received after the action's time to live, plus 1 s for the whole-second MQTT expiry and transit.
        var late = intents.Count(r => r.At > r.Json.GetProperty("timestamp").GetDateTimeOffset().AddSeconds(TtlSeconds + 1));
        var drained = lines.First(l => l.StartsWith("drained", StringComparison.Ordinal));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"broker persistence {brokerPersistence}: {plan.Count(p => p.EndsWith("broker", StringComparison.Ordinal))} broker kills ({plan.Count(p => p == "long broker")} of them outages longer than the {TtlSeconds} s action TTL), {plan.Count(p => p == "daemon")} daemon kills, {run} daemon runs; " +
            $"durable reports queued {queued.Count}, missing {missing}, received {reports.Count} ({reports.Count - duplicates} distinct, {duplicates} duplicates, {sameIdDifferentPayload} ids with differing payloads), " +
            $"sessions out of order {outOfOrder}; actions queued {actions}, received {intents.Count} (not delivered in time, dropped or expired at the broker: {actions - intents.Select(r => r.Text).Distinct().Count()}), late {late}; last daemon: {drained}"));

        if (missing > 0)
        {
            ExplainMissing(queuedLines, consumer, lines, timeline);
        }

        Assert.Equal(0, missing);
        Assert.Equal(0, sameIdDifferentPayload);
        Assert.Equal(0, outOfOrder);
        Assert.Equal(0, late);
        Assert.True(actions > intents.Select(r => r.Text).Distinct().Count(), "no action expired although two outages outlasted the TTL");
        Assert.Contains("evicted=0", drained, StringComparison.Ordinal);
        try
        {
            Directory.Delete(stateDir, true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Before a kill: lets the broker hand the consumer everything it has acknowledged. The daemon's duty for a report
    /// ends at the broker's PUBACK; mosquitto PUBACKs a QoS 1 publish once it has queued it for the subscribers, and a
    /// SIGKILL (no save: autosave_interval 3600) loses what it has not yet written to the consumer, a loss of the
    /// broker's that MQTT allows and no client can prevent (the fault test once failed with one such report). A marker
    /// the consumer publishes after the gate has closed (so nothing more from the daemon can be acknowledged) comes
    /// back behind everything the broker took before it (one ordered queue per subscriber): once it is back, every
    /// report the daemon saw acknowledged is with the consumer, and a report still missing at the end is the daemon's.
    /// </summary>
    private static void LetTheBrokerForward(TestPeer consumer, int step)
    {
        var marker = "flush-" + step.ToString(CultureInfo.InvariantCulture);
        consumer.Publish(FlushTopic, marker);
        consumer.WaitFor(FlushTopic, r => r.Text == marker, 30);
    }

    /// <summary>
    /// For each missing report: whether (and when, relative to the faults) a daemon got the broker's PUBACK for it.
    /// Acknowledged although the broker was never killed before forwarding it: a PUBACK the outbox matched to the
    /// wrong record, or a record retired without one; never acknowledged although the last daemon drained its outbox:
    /// a record the outbox lost (a compaction, a load after a kill).
    /// </summary>
    private void ExplainMissing(List<string[]> queuedLines, TestPeer consumer, ConcurrentQueue<string> lines, List<(long Ms, string What)> timeline)
    {
        var keys = consumer.Snapshot().Where(r => r.Topic == "appliance/fault/event/session")
            .Select(r => (r.Json.GetProperty("session_id").GetString()!, r.Json.GetProperty("turn").GetInt32())).ToHashSet();
        var acks = new Dictionary<long, long>();
        foreach (var k in lines.Where(l => l.StartsWith("k ", StringComparison.Ordinal)).Select(l => l.Split(' ')))
        {
            acks.TryAdd(long.Parse(k[1], CultureInfo.InvariantCulture), long.Parse(k[2], CultureInfo.InvariantCulture));
        }

        output.WriteLine("timeline (unix ms): " + string.Join(", ", timeline.Select(t => $"{t.Ms} {t.What}")));
        foreach (var p in queuedLines.Where(p => !keys.Contains((p[1], int.Parse(p[2], CultureInfo.InvariantCulture)))).Take(20))
        {
            var seq = long.Parse(p[3], CultureInfo.InvariantCulture);
            string why;
            if (acks.TryGetValue(seq, out var at))
            {
                var next = timeline.FirstOrDefault(t => t.Ms >= at);
                why = next.What is null
                    ? $"PUBACK received at {at}, after the last fault"
                    : $"PUBACK received at {at}, {next.Ms - at} ms before '{next.What}' at {next.Ms}";
            }
            else
            {
                why = "no PUBACK received by any daemon run";
            }

            output.WriteLine($"missing: session {p[1]} turn {p[2]} (record #{seq}): {why}");
        }
    }

    private static List<int> FirstSeen(IEnumerable<int> turns)
    {
        var seen = new HashSet<int>();
        return [.. turns.Where(seen.Add)];
    }

    private static bool IsIncreasing(List<int> values) => values.Zip(values.Skip(1)).All(p => p.First < p.Second);

    private static Process StartChild(string mode, int port, string stateDir, int run, ConcurrentQueue<string> lines)
    {
        var dll = typeof(TestHostEntry).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet", ["exec", dll, mode, port.ToString(CultureInfo.InvariantCulture), stateDir, "fault", "r" + run.ToString(CultureInfo.InvariantCulture), TtlSeconds.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        return process;
    }

    private static void Kill(Process child)
    {
        if (!child.HasExited)
        {
            child.Kill(); // SIGKILL: no flush, no dispose, no DISCONNECT
        }

        if (child.WaitForExit(10_000))
        {
            child.WaitForExit(); // and read its output to the end: a "q" line lost here would leave a report unchecked
        }

        child.Dispose();
    }
}
