using System.Collections.Concurrent;
using VoiceAppliance.Configuration;
using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Tests.Device;

/// <summary>
/// Tests on a Raspberry Pi with a ReSpeaker HAT (or a button on a header pin); skipped elsewhere. Run with
///   APPLIANCE_HW_BUTTON=17 APPLIANCE_HW_APA102=/dev/spidev0.1:3 dotnet test tests/Appliance.Tests --filter Category=Hardware
/// (4-Mic Array: APPLIANCE_HW_APA102=/dev/spidev0.1:12:5 — device, LED count, power line).
/// </summary>
public sealed class DeviceHardwareTests
{
    [HardwareFact("APPLIANCE_HW_BUTTON", "a push button on a header GPIO (ReSpeaker 2-Mic HAT: 17); press it within 15 s")]
    [Trait("Category", "Hardware")]
    public void Real_button_press_and_release_arrive_as_gestures()
    {
        var line = Environment.GetEnvironmentVariable("APPLIANCE_HW_BUTTON")!;
        var config = ApplianceConfiguration.CreateDefault().LoadJson($$"""{ "Button": { "Enabled": true, "Line": "{{line}}" } }""", new Dictionary<string, string?>());
        var gestures = new BlockingCollection<ButtonGesture>();
        using var chips = GpioChips.LibGpiod();
        using var service = new ButtonService(chips, config.Gpio, config.Button, TimeProvider.System);
        service.Gesture += e => gestures.Add(e.Gesture);
        service.Start();
        Console.WriteLine($"press and release the button on line {line} now");
        Assert.True(gestures.TryTake(out var first, TimeSpan.FromSeconds(15)), "no press within 15 s");
        Assert.Equal(ButtonGesture.Pressed, first);
        Assert.True(gestures.TryTake(out var second, TimeSpan.FromSeconds(15)), "no release within 15 s");
        Assert.Equal(ButtonGesture.Released, second);
        Assert.True(service.IsHealthy);
    }

    [HardwareFact("APPLIANCE_HW_APA102", "APA102 LEDs on spidev, e.g. APPLIANCE_HW_APA102=/dev/spidev0.1:3 (watch them: thinking spin, then off)")]
    [Trait("Category", "Hardware")]
    public void Real_apa102_leds_show_the_state_patterns()
    {
        var parts = Environment.GetEnvironmentVariable("APPLIANCE_HW_APA102")!.Split(':');
        var power = parts.Length > 2 ? $", \"PowerLine\": \"{parts[2]}\"" : string.Empty;
        var config = ApplianceConfiguration.CreateDefault().LoadJson(
            $$"""{ "Leds": { "Kind": "apa102", "SpiDevice": "{{parts[0]}}", "Count": {{parts[1]}}{{power}} } }""", new Dictionary<string, string?>());
        Assert.False(config.HasErrors, string.Join("; ", config.Issues));
        using var chips = GpioChips.LibGpiod();
        using var strip = LedFactory.Create(config.Leds, config.Gpio, chips)!;
        using var leds = new LedController(strip, config.Leds.Patterns, TimeProvider.System);
        var faults = new List<Exception>();
        leds.Faulted += faults.Add;
        foreach (var state in new[] { PipelineState.Listening, PipelineState.Thinking, PipelineState.Speaking, PipelineState.Muted, PipelineState.Error })
        {
            leds.OnStateChanged(state);
            Thread.Sleep(1500);
        }

        leds.OnStateChanged(PipelineState.Idle);
        Assert.Empty(faults);
        Assert.True(leds.FramesWritten > 20, $"only {leds.FramesWritten} frames written");
    }
}
