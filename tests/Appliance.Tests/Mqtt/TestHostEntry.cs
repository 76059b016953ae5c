using VoiceAppliance.Mqtt;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>
/// The test assembly's entry point (GenerateProgramFile is off): under the test runner it is never called; started as
/// <c>dotnet VoiceAppliance.Tests.dll mqtt-child PORT STATE_DIR DEVICE_ID [REPORTS]</c> it runs a real
/// <see cref="MqttService"/> in a child process that a test then kills: the last-will test, and (with REPORTS) the
/// crash test, which queues that many session reports and prints "queued" before it is killed.
/// </summary>
public static class TestHostEntry
{
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 4 && args[0] == "mqtt-echo")
        {
            return await EchoChild.RunAsync(args).ConfigureAwait(false);
        }

        if (args.Length == 6 && args[0] is "mqtt-stream" or "mqtt-drain")
        {
            return await FaultChild.RunAsync(args).ConfigureAwait(false);
        }

        if (args.Length is < 4 or > 5 || args[0] != "mqtt-child")
        {
            await Console.Error.WriteLineAsync("usage: VoiceAppliance.Tests.dll mqtt-child PORT STATE_DIR DEVICE_ID [REPORTS]").ConfigureAwait(false);
            return 64;
        }

        var options = MqttTestOptions.ForChild(args, quickReconnect: false) with { KeepAliveSeconds = 5 };
        var service = new MqttService(options, new RecordingHandler(), new ListLogger());
        await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
        if (args.Length == 5)
        {
            var reports = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 1; i <= reports; i++)
            {
                service.PublishSessionEvent(new SessionEventReport { EventType = SessionEventTypes.TurnEnded, SessionId = "crash", Turn = i });
            }

            await Console.Out.WriteLineAsync("queued").ConfigureAwait(false);
            await Console.Out.FlushAsync().ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
        }

        while (!service.IsConnected)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        await Console.Out.WriteLineAsync("ready").ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
        await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
        return 0;
    }
}
