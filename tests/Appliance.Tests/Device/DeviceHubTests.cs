using VoiceAppliance.Configuration;
using VoiceAppliance.Device;
using VoiceAppliance.Device.Button;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Device;

public sealed class DeviceHubTests
{
    private static LoadedConfiguration Config(string json) => ApplianceConfiguration.CreateDefault().LoadJson(json, new Dictionary<string, string?>());

    [Fact]
    public void State_changes_reach_the_leds_and_button_commands_come_out()
    {
        var config = Config("""{ "Button": { "Enabled": true, "DebounceMs": 0, "Mode": "hold" }, "Leds": { "Preset": "respeaker-2mic" } }""");
        var driver = new FakeGpioDriver();
        var spi = new FakeSpiDevice();
        var time = new ManualTimeProvider();
        using var hub = DeviceHub.Create(config, driver, time, openSpi: (_, _) => spi);
        var commands = new System.Collections.Concurrent.BlockingCollection<ButtonCommand>();
        hub.Command += commands.Add;
        hub.Start();

        hub.OnStateChanged(PipelineState.Muted);
        Assert.Equal([0xE0 | 16, 0, 0, 255], spi.Writes[^1].AsSpan(4, 4).ToArray());
        hub.OnStateChanged(PipelineState.Idle);

        FakeGpioDriver.FakeInput? line = null;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!driver.Inputs.TryGetValue("auto:17", out line) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        Assert.NotNull(line);
        while (line.Reads == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5); // the edge monitor reads the initial level after opening: press only after that
        }

        line.Push(true);
        Assert.True(commands.TryTake(out var command, TimeSpan.FromSeconds(5)));
        Assert.Equal(ButtonCommand.StartListening, command);
        Assert.True(hub.IsHealthy);
    }

    [Fact]
    public void Missing_spi_device_leaves_the_appliance_running_without_leds()
    {
        var config = Config("""{ "Leds": { "Kind": "apa102", "SpiDevice": "/dev/spidev-missing-9.9" } }""");
        using var hub = DeviceHub.Create(config, new FakeGpioDriver(), new ManualTimeProvider());
        Assert.Null(hub.Leds);
        Assert.Null(hub.Button);
        hub.OnStateChanged(PipelineState.Listening);
        hub.OnLevel(0.5f);
        Assert.True(hub.IsHealthy);
    }

    [Fact]
    public void Config_check_prints_errors_first_and_returns_78_on_errors()
    {
        using var output = new StringWriter();
        var code = ConfigCheck.Print(output, "/etc/appliance/appliance.json",
        [
            new ConfigIssue(ConfigSeverity.Warning, "Leds:Colr", "unknown key"),
            new ConfigIssue(ConfigSeverity.Error, "Button:Mode", "'squeeze' is not allowed"),
        ]);
        Assert.Equal(78, code);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("error: Button:Mode", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("warning: Leds:Colr", lines[1], StringComparison.Ordinal);
        Assert.Contains("1 error, 1 warning", lines[2], StringComparison.Ordinal);

        using var ok = new StringWriter();
        Assert.Equal(0, ConfigCheck.Print(ok, "x.json", [new ConfigIssue(ConfigSeverity.Warning, "A:B", "w")]));
        Assert.Contains("x.json: ok (1 warning)", ok.ToString(), StringComparison.Ordinal);
    }
}
