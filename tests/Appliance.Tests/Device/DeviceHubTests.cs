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
        using var hub = DeviceHub.Create(config, driver.Chips(), time, openSpi: _ => spi);
        var commands = new System.Collections.Concurrent.BlockingCollection<ButtonCommand>();
        hub.Command += commands.Add;
        hub.Start();

        hub.OnStateChanged(PipelineState.Muted);
        Assert.Equal([0xE0 | 16, 0, 0, 255], spi.Writes[^1].AsSpan(4, 4).ToArray());
        hub.OnStateChanged(PipelineState.Idle);

        var line = driver.WaitForInput(17);
        line.Press();
        Assert.True(commands.TryTake(out var command, TimeSpan.FromSeconds(5)));
        Assert.Equal(ButtonCommand.StartListening, command);
        Assert.True(hub.IsHealthy);
    }

    [Fact]
    public void Missing_spi_device_leaves_the_appliance_running_without_leds()
    {
        var config = Config("""{ "Leds": { "Kind": "apa102", "SpiDevice": "/dev/spidev9.9" } }""");
        var driver = new FakeGpioDriver();
        using var hub = DeviceHub.Create(config, driver.Chips(), new ManualTimeProvider());
        Assert.Null(hub.Leds);
        Assert.Null(hub.Button);
        hub.OnStateChanged(PipelineState.Listening);
        hub.OnLevel(0.5f);
        Assert.True(hub.IsHealthy);
    }

    [Fact]
    public void Missing_gpio_chip_leaves_the_appliance_running_and_the_led_power_line_is_not_left_held()
    {
        var config = Config("""{ "Gpio": { "Chip": "pinctrl-rp1" }, "Button": { "Enabled": true }, "Leds": { "Preset": "respeaker-4mic" } }""");
        var driver = new FakeGpioDriver();
        var spi = new FakeSpiDevice();
        using var hub = DeviceHub.Create(config, driver.Chips("pinctrl-bcm2711"), new ManualTimeProvider(), openSpi: _ => spi);
        hub.Start();
        Assert.Null(hub.Leds); // the 4-Mic ring needs its power line on the chip that is not there
        Assert.False(hub.IsHealthy); // the button is retried
        Assert.Empty(driver.Pins);
        hub.OnStateChanged(PipelineState.Listening);
    }

    [Fact]
    public void Disposing_the_hub_closes_the_chips()
    {
        var config = Config("""{ "Button": { "Enabled": true } }""");
        var driver = new FakeGpioDriver();
        var hub = DeviceHub.Create(config, driver.Chips(), new ManualTimeProvider());
        hub.Start();
        Assert.True(driver.WaitForInput(17).IsOpen);
        hub.Dispose();
        Assert.True(driver.Disposed);
        Assert.False(driver.Pins[17].IsOpen);
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
