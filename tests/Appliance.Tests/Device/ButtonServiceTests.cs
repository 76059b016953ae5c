using System.Collections.Concurrent;
using System.Device.Gpio;
using VoiceAppliance.Configuration;
using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Device;

/// <summary>
/// The assembled button: a real <see cref="GpioController"/> over the fake chip (a <see cref="GpioDriver"/>), the
/// real detector and push-to-talk controller. Time is a <see cref="ManualTimeProvider"/>: gestures come from timers.
/// </summary>
public sealed class ButtonServiceTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);

    private static LoadedConfiguration Config(string json) => ApplianceConfiguration.CreateDefault().LoadJson(json, new Dictionary<string, string?>());

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
        using var chips = driver.Chips("pinctrl-rp1", id: 4);
        var commands = new BlockingCollection<ButtonCommand>();
        var gestures = new BlockingCollection<ButtonGesture>();
        using var service = new ButtonService(chips, c.Gpio, c.Button, new ManualTimeProvider());
        service.Command += commands.Add;
        service.Gesture += e => gestures.Add(e.Gesture);
        service.Start();

        var line = driver.WaitForInput(17);
        Assert.Equal(PinMode.InputPullUp, line.Mode);
        line.Press();
        Assert.Equal(ButtonGesture.Pressed, Take(gestures));
        Assert.Equal(ButtonCommand.StartListening, Take(commands));
        service.OnStateChanged(PipelineState.Listening);
        line.Release();
        Assert.Equal(ButtonGesture.Released, Take(gestures));
        Assert.Equal(ButtonCommand.StopListening, Take(commands));
        Assert.True(service.IsHealthy);
    }

    [Fact]
    public void Bounces_shorter_than_the_debounce_are_ignored_and_a_stable_press_counts_once()
    {
        var c = Config("""{ "Button": { "Enabled": true, "DebounceMs": 30, "DoublePressMs": 0 } }""");
        var driver = new FakeGpioDriver();
        using var chips = driver.Chips();
        var time = new ManualTimeProvider();
        var gestures = new BlockingCollection<ButtonGesture>();
        using var service = new ButtonService(chips, c.Gpio, c.Button, time);
        service.Gesture += e => gestures.Add(e.Gesture);
        service.Start();
        var line = driver.WaitForInput(17);

        line.Press();
        time.Advance(TimeSpan.FromMilliseconds(5));
        line.Release();
        time.Advance(TimeSpan.FromMilliseconds(5));
        line.Press(); // contact bounce: the level settles pressed
        Assert.Empty(gestures);
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal(ButtonGesture.Pressed, Take(gestures));
        time.Advance(TimeSpan.FromMilliseconds(100));
        line.Release();
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal(ButtonGesture.Released, Take(gestures));
        Assert.Equal(ButtonGesture.Tap, Take(gestures));
        Assert.Empty(gestures);
    }

    [Fact]
    public void Long_press_mutes_and_double_press_runs_its_action_through_the_real_line()
    {
        var c = Config("""{ "Button": { "Enabled": true, "DebounceMs": 0, "Mode": "tap", "DoublePressAction": "cancel" } }""");
        var driver = new FakeGpioDriver();
        using var chips = driver.Chips();
        var time = new ManualTimeProvider();
        var commands = new BlockingCollection<ButtonCommand>();
        using var service = new ButtonService(chips, c.Gpio, c.Button, time);
        service.Command += commands.Add;
        service.Start();
        var line = driver.WaitForInput(17);

        line.Press();
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ButtonCommand.ToggleMute, Take(commands));
        line.Release();

        line.Press();
        time.Advance(TimeSpan.FromMilliseconds(100));
        line.Release();
        time.Advance(TimeSpan.FromMilliseconds(100));
        line.Press();
        Assert.Equal(ButtonCommand.Cancel, Take(commands));
        line.Release();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(commands);
    }

    [Fact]
    public void A_busy_line_is_retried_with_backoff_and_then_works()
    {
        var c = Config("""{ "Button": { "Enabled": true, "DebounceMs": 0 } }""");
        var driver = new FakeGpioDriver { FailNextOpen = new IOException("Error 16 (Device or resource busy) requesting pin 17") };
        using var chips = driver.Chips();
        var time = new ManualTimeProvider();
        using var service = new ButtonService(chips, c.Gpio, c.Button, time);
        var commands = new BlockingCollection<ButtonCommand>();
        service.Command += commands.Add;
        service.Start();
        Assert.False(service.IsHealthy);
        Assert.Equal(1, driver.OpenCount);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, driver.OpenCount);
        Assert.True(service.IsHealthy);
        var line = driver.WaitForInput(17);
        line.Press();
        Assert.Equal(ButtonCommand.StartListening, Take(commands));
    }

    [Fact]
    public void Dispose_releases_the_line_and_its_callback()
    {
        var c = Config("""{ "Button": { "Enabled": true } }""");
        var driver = new FakeGpioDriver();
        using var chips = driver.Chips();
        var service = new ButtonService(chips, c.Gpio, c.Button, new ManualTimeProvider());
        service.Start();
        var line = driver.WaitForInput(17);
        service.Dispose();
        Assert.False(line.IsOpen);
        Assert.False(line.HasCallback);
    }

    [Fact]
    public void Led_factory_builds_the_configured_strip()
    {
        var c = Config("""{ "Leds": { "Preset": "respeaker-4mic" } }""");
        var driver = new FakeGpioDriver();
        using var chips = driver.Chips();
        FakeSpiDevice? spi = null;
        string? opened = null;
        using var strip = LedFactory.Create(c.Leds, c.Gpio, chips, settings =>
        {
            opened = $"{settings.BusId}.{settings.ChipSelectLine}@{settings.ClockFrequency}";
            return spi = new FakeSpiDevice(settings.BusId, settings.ChipSelectLine);
        });
        Assert.IsType<Apa102Strip>(strip);
        Assert.Equal(12, strip!.Count);
        Assert.Equal("0.1@8000000", opened);
        Assert.True(driver.Pins[5].High); // LED power on
        strip.Show(new Rgb[12]);
        Assert.Equal(4 + (4 * 12) + 4, spi!.Writes[^1].Length);
        Assert.Equal(0xE0 | 16, spi.Writes[^1][4]);
    }

    [Fact]
    public void Led_factory_builds_gpio_leds_and_none()
    {
        var gpio = Config("""{ "Leds": { "Kind": "gpio", "GpioLines": ["24", "25"] } }""");
        var driver = new FakeGpioDriver();
        using var chips = driver.Chips();
        using (var strip = LedFactory.Create(gpio.Leds, gpio.Gpio, chips))
        {
            Assert.Equal(2, strip!.Count);
            Assert.Equal(PinMode.Output, driver.Pins[24].Mode);
        }

        var none = Config("{}");
        Assert.Null(LedFactory.Create(none.Leds, none.Gpio, chips));
    }
}
