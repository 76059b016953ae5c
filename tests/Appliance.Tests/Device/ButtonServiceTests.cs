using System.Collections.Concurrent;
using VoiceAppliance.Configuration;
using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Device;

/// <summary>The assembled button: fake GPIO line, real edge thread, detector and controller.</summary>
public sealed class ButtonServiceTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);

    private static LoadedConfiguration Config(string json) => ApplianceConfiguration.CreateDefault().LoadJson(json, new Dictionary<string, string?>());

    private static FakeGpioDriver.FakeInput WaitForInput(FakeGpioDriver driver, string key)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (DateTime.UtcNow < deadline)
        {
            // Ready once the edge monitor has read the initial level: an edge pushed before that would be
            // taken as the initial state.
            if (driver.Inputs.TryGetValue(key, out var input) && !input.Disposed && input.Reads > 0)
            {
                return input;
            }

            Thread.Sleep(5);
        }

        throw new TimeoutException($"line {key} was never opened");
    }

    private static T Take<T>(BlockingCollection<T> items)
    {
        Assert.True(items.TryTake(out var item, s_wait), "nothing arrived");
        return item!;
    }

    [Fact]
    public void Edges_on_the_line_become_gestures_and_commands()
    {
        var c = Config("""{ "Gpio": { "Chip": "pinctrl-rp1" }, "Button": { "Enabled": true, "Line": "GPIO17", "DebounceMs": 0, "Mode": "hold" } }""");
        var driver = new FakeGpioDriver();
        var time = new ManualTimeProvider();
        var commands = new BlockingCollection<ButtonCommand>();
        var gestures = new BlockingCollection<ButtonGesture>();
        using var service = new ButtonService(driver, c.Gpio, c.Button, time);
        service.Command += commands.Add;
        service.Gesture += e => gestures.Add(e.Gesture);
        service.Start();

        var line = WaitForInput(driver, "pinctrl-rp1:GPIO17");
        Assert.Equal(new GpioInputSettings(GpioBias.PullUp, true, TimeSpan.Zero), line.Settings);
        line.Push(true);
        Assert.Equal(ButtonGesture.Pressed, Take(gestures));
        Assert.Equal(ButtonCommand.StartListening, Take(commands));
        service.OnStateChanged(PipelineState.Listening);
        line.Push(false);
        Assert.Equal(ButtonGesture.Released, Take(gestures));
        Assert.Equal(ButtonCommand.StopListening, Take(commands));
        Assert.True(service.IsHealthy);
    }

    [Fact]
    public void A_line_that_fails_to_open_is_retried()
    {
        var c = Config("""{ "Button": { "Enabled": true, "DebounceMs": 0 } }""");
        var driver = new FakeGpioDriver { FailNextOpen = new VoiceAppliance.Device.DeviceIOException("/dev/gpiochip0: open failed: No such file or directory (errno 2).") };
        using var service = new ButtonService(driver, c.Gpio, c.Button, new ManualTimeProvider());
        var commands = new BlockingCollection<ButtonCommand>();
        service.Command += commands.Add;
        service.Start();
        var line = WaitForInput(driver, "auto:17");
        Assert.Equal(2, driver.OpenCount);
        line.Push(true);
        Assert.Equal(ButtonCommand.StartListening, Take(commands));
    }

    [Fact]
    public void Led_factory_builds_the_configured_strip()
    {
        var c = Config("""{ "Leds": { "Preset": "respeaker-4mic" } }""");
        var driver = new FakeGpioDriver();
        FakeSpiDevice? spi = null;
        string? opened = null;
        using var strip = LedFactory.Create(c.Leds, c.Gpio, driver, (path, hz) =>
        {
            opened = $"{path}@{hz}";
            return spi = new FakeSpiDevice();
        });
        Assert.IsType<Apa102Strip>(strip);
        Assert.Equal(12, strip!.Count);
        Assert.Equal("/dev/spidev0.1@8000000", opened);
        Assert.True(driver.Outputs["auto:5"].Value);
        strip.Show(new Rgb[12]);
        Assert.Equal(Apa102Strip.FrameLength(12), spi!.Writes.Single().Length);
        Assert.Equal(0xE0 | 16, spi.Writes[0][4]);
    }

    [Fact]
    public void Led_factory_builds_gpio_leds_and_none()
    {
        var gpio = Config("""{ "Leds": { "Kind": "gpio", "GpioLines": ["24", "25"] } }""");
        var driver = new FakeGpioDriver();
        using (var strip = LedFactory.Create(gpio.Leds, gpio.Gpio, driver))
        {
            Assert.Equal(2, strip!.Count);
            Assert.Contains("auto:24", driver.Outputs.Keys);
        }

        var none = Config("{}");
        Assert.Null(LedFactory.Create(none.Leds, none.Gpio, driver));
    }
}
