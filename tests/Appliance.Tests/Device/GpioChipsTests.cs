using System.Device.Gpio;
using VoiceAppliance.Device;
using VoiceAppliance.Device.Gpio;

namespace VoiceAppliance.Tests.Device;

/// <summary>Chip choice by label and the errors that name the device and the fix.</summary>
public sealed class GpioChipsTests
{
    private static GpioChips Pi5(FakeGpioDriver rp1) => new(
        () => [new GpioChipInfo(0, "gpiochip0", "gpio-brcmstb@107d508500", 32), new GpioChipInfo(4, "gpiochip4", "pinctrl-rp1", 54)],
        chip => chip.Id == 4 ? rp1 : throw new IOException("wrong chip opened"));

    [Theory]
    [InlineData("auto")]
    [InlineData("pinctrl-rp1")]
    [InlineData("PINCTRL-RP1")]
    [InlineData("gpiochip4")]
    [InlineData("/dev/gpiochip4")]
    public void The_header_chip_is_found_by_label_name_or_path_whatever_its_number(string selector)
    {
        var rp1 = new FakeGpioDriver();
        using var chips = Pi5(rp1);
        Assert.Equal(4, chips.Resolve(selector).Id);
        var (controller, offset) = chips.OpenLine(selector, "GPIO17", PinMode.Input);
        Assert.Equal(17, offset);
        Assert.True(rp1.Pins[17].IsOpen);
        Assert.Same(controller, chips.Controller("pinctrl-rp1")); // one controller per chip
    }

    [Fact]
    public void A_missing_chip_lists_the_chips_present()
    {
        using var chips = Pi5(new FakeGpioDriver());
        var ex = Assert.Throws<DeviceIOException>(() => chips.Resolve("pinctrl-bcm2711"));
        Assert.Contains("'pinctrl-bcm2711' not found", ex.Message, StringComparison.Ordinal);
        Assert.Contains("gpiochip4 'pinctrl-rp1'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Gpio:Chip", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_chips_at_all_says_which_group_to_join()
    {
        using var chips = new GpioChips(() => [], _ => throw new IOException("unused"));
        var ex = Assert.Throws<DeviceIOException>(() => chips.Resolve("auto"));
        Assert.Contains("'gpio' group", ex.Message, StringComparison.Ordinal);
        Assert.Contains("pinctrl-rp1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_busy_line_names_the_line_chip_and_fix()
    {
        var rp1 = new FakeGpioDriver { FailNextOpen = new IOException("Error 16 (Device or resource busy)") };
        using var chips = Pi5(rp1);
        var ex = Assert.Throws<DeviceIOException>(() => chips.OpenLine("auto", "17", PinMode.InputPullUp));
        Assert.Contains("GPIO line 17 on /dev/gpiochip4 'pinctrl-rp1'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Device or resource busy", ex.Message, StringComparison.Ordinal);
        Assert.Contains("gpioinfo", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_beyond_the_chip_and_a_line_that_is_no_number_are_refused()
    {
        using var chips = Pi5(new FakeGpioDriver());
        Assert.Contains("0..53", Assert.Throws<DeviceIOException>(() => chips.OpenLine("auto", "60", PinMode.Input)).Message, StringComparison.Ordinal);
        Assert.Contains("give a number", Assert.Throws<DeviceIOException>(() => chips.OpenLine("auto", "BUTTON", PinMode.Input)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_libgpiod_says_what_to_install()
    {
        using var chips = new GpioChips(() => throw new DllNotFoundException("libgpiod.so.2"), _ => throw new IOException("unused"));
        var ex = Assert.Throws<DeviceIOException>(() => chips.Resolve("auto"));
        Assert.Contains("apt install libgpiod2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disposing_closes_every_controller_and_its_driver()
    {
        var rp1 = new FakeGpioDriver();
        var chips = Pi5(rp1);
        chips.OpenLine("auto", "5", PinMode.Output, PinValue.High);
        chips.Dispose();
        Assert.True(rp1.Disposed);
        Assert.Throws<ObjectDisposedException>(() => chips.Controller("auto"));
    }

    [Fact]
    public void The_real_libgpiod_stack_lists_this_machines_chips()
    {
        // libgpiod.so.2 is a runtime package (libgpiod2); where it is installed the list works, with or without chips.
        using var chips = GpioChips.LibGpiod();
        try
        {
            var list = chips.List();
            Assert.All(list, c => Assert.StartsWith("gpiochip", c.Name, StringComparison.Ordinal));
            Assert.Equal(Directory.Exists("/dev") ? Directory.EnumerateFiles("/dev", "gpiochip*").Count() : 0, list.Count);
        }
        catch (DeviceIOException ex)
        {
            Assert.Contains("libgpiod2", ex.Message, StringComparison.Ordinal);
        }
    }
}
