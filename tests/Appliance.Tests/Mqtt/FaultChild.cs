using System.Globalization;
using VoiceAppliance.Mqtt;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>
/// The daemon side of the fault test, in a child process the test kills with SIGKILL:
/// <c>mqtt-stream PORT STATE_DIR DEVICE_ID RUN TTL_SECONDS</c> streams sessions of four reports (and one device action
/// each) and prints a line after each is queued (<c>q SESSION N SEQ</c>, <c>a SESSION UNIX_MS</c>) and when the broker's
/// PUBACK retired a record (<c>k SEQ UNIX_MS</c>);
/// <c>mqtt-drain ...</c> queues nothing, prints <c>drained</c> once the outbox is empty.
/// </summary>
internal static class FaultChild
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = MqttTestOptions.ForChild(args) with
        {
            KeepAliveSeconds = 5,
            ActionTtlSeconds = int.Parse(args[5], CultureInfo.InvariantCulture),
        };
        var run = args[4];
        var service = new MqttService(options, new RecordingHandler(), new ListLogger());
        var stdout = Console.Out;
        // When the broker's PUBACK retired each record (the test explains a missing report with it).
        service.OutboxAcknowledged += seq => stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"k {seq} {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}"));
        await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
        if (args[0] == "mqtt-drain")
        {
            while (!service.IsConnected || service.OutboxStats.Pending > 0)
            {
                await Task.Delay(20).ConfigureAwait(false);
            }

            var stats = service.OutboxStats;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"drained evicted={stats.Evicted} expired={stats.Expired} refused={stats.Refused}")).ConfigureAwait(false);
            await stdout.FlushAsync().ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
            return 0;
        }

        string[] kinds = [SessionEventTypes.SessionStarted, SessionEventTypes.TurnStarted, SessionEventTypes.TurnEnded, SessionEventTypes.SessionEnded];
        for (var k = 0; ; k++)
        {
            var session = run + "-" + k.ToString(CultureInfo.InvariantCulture);
            for (var n = 1; n <= kinds.Length; n++)
            {
                var seq = service.PublishSessionEvent(new SessionEventReport { EventType = kinds[n - 1], SessionId = session, Turn = n, Text = "turn on the kitchen light" });
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"q {session} {n} {seq}")).ConfigureAwait(false);
                if (n == 2)
                {
                    var now = DateTimeOffset.UtcNow;
                    service.PublishIntent(new IntentReport { Name = "LightOn", Text = "turn on the kitchen light", SessionId = session, Timestamp = now });
                    await stdout.WriteLineAsync($"a {session} {now.ToUnixTimeMilliseconds()}").ConfigureAwait(false);
                }

                await Task.Delay(3).ConfigureAwait(false);
            }
        }
    }
}
