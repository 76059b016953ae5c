using VoiceAppliance.Mqtt;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>
/// The test assembly's entry point (GenerateProgramFile is off): under the test runner it is never called; started as
/// <c>dotnet VoiceAppliance.Tests.dll mqtt-child PORT STATE_DIR DEVICE_ID</c> it runs a real <see cref="MqttService"/>
/// in a child process that a test then kills (last-will test).
/// </summary>
public static class TestHostEntry
{
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length != 4 || args[0] != "mqtt-child")
        {
            await Console.Error.WriteLineAsync("usage: VoiceAppliance.Tests.dll mqtt-child PORT STATE_DIR DEVICE_ID").ConfigureAwait(false);
            return 64;
        }

        var options = new MqttOptions
        {
            Enabled = true,
            Host = "127.0.0.1",
            Port = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture),
            StateDirectory = args[2],
            DeviceId = args[3],
            KeepAliveSeconds = 5,
        };
        var service = new MqttService(options, new RecordingHandler(), new ListLogger());
        await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
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
