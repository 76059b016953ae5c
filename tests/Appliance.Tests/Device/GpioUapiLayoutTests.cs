using System.Diagnostics;
using System.Runtime.CompilerServices;
using VoiceAppliance.Device;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Testing;
using static VoiceAppliance.Interop.Gpio;

namespace VoiceAppliance.Tests.Device;

/// <summary>
/// The managed mirrors of linux/gpio.h and linux/spi/spidev.h against the kernel header itself: a tiny C
/// program compiled with gcc prints sizeof/offsetof/ioctl numbers, and each must equal ours.
/// </summary>
public sealed class GpioUapiLayoutTests
{
    private const string Program = """
        #include <stdio.h>
        #include <stddef.h>
        #include <linux/gpio.h>
        #include <linux/spi/spidev.h>
        #define P(name, v) printf("%s=%lu\n", name, (unsigned long)(v))
        int main(void) {
          P("sizeof gpiochip_info", sizeof(struct gpiochip_info));
          P("offsetof gpiochip_info.lines", offsetof(struct gpiochip_info, lines));
          P("sizeof gpio_v2_line_attribute", sizeof(struct gpio_v2_line_attribute));
          P("offsetof gpio_v2_line_attribute.value", offsetof(struct gpio_v2_line_attribute, flags));
          P("sizeof gpio_v2_line_config_attribute", sizeof(struct gpio_v2_line_config_attribute));
          P("offsetof gpio_v2_line_config_attribute.mask", offsetof(struct gpio_v2_line_config_attribute, mask));
          P("sizeof gpio_v2_line_config", sizeof(struct gpio_v2_line_config));
          P("offsetof gpio_v2_line_config.num_attrs", offsetof(struct gpio_v2_line_config, num_attrs));
          P("offsetof gpio_v2_line_config.attrs", offsetof(struct gpio_v2_line_config, attrs));
          P("sizeof gpio_v2_line_request", sizeof(struct gpio_v2_line_request));
          P("offsetof gpio_v2_line_request.consumer", offsetof(struct gpio_v2_line_request, consumer));
          P("offsetof gpio_v2_line_request.config", offsetof(struct gpio_v2_line_request, config));
          P("offsetof gpio_v2_line_request.num_lines", offsetof(struct gpio_v2_line_request, num_lines));
          P("offsetof gpio_v2_line_request.event_buffer_size", offsetof(struct gpio_v2_line_request, event_buffer_size));
          P("offsetof gpio_v2_line_request.fd", offsetof(struct gpio_v2_line_request, fd));
          P("sizeof gpio_v2_line_info", sizeof(struct gpio_v2_line_info));
          P("offsetof gpio_v2_line_info.offset", offsetof(struct gpio_v2_line_info, offset));
          P("offsetof gpio_v2_line_info.flags", offsetof(struct gpio_v2_line_info, flags));
          P("offsetof gpio_v2_line_info.attrs", offsetof(struct gpio_v2_line_info, attrs));
          P("sizeof gpio_v2_line_values", sizeof(struct gpio_v2_line_values));
          P("sizeof gpio_v2_line_event", sizeof(struct gpio_v2_line_event));
          P("offsetof gpio_v2_line_event.id", offsetof(struct gpio_v2_line_event, id));
          P("offsetof gpio_v2_line_event.line_seqno", offsetof(struct gpio_v2_line_event, line_seqno));
          P("sizeof spi_ioc_transfer", sizeof(struct spi_ioc_transfer));
          P("offsetof spi_ioc_transfer.len", offsetof(struct spi_ioc_transfer, len));
          P("offsetof spi_ioc_transfer.bits_per_word", offsetof(struct spi_ioc_transfer, bits_per_word));
          P("GPIO_GET_CHIPINFO_IOCTL", GPIO_GET_CHIPINFO_IOCTL);
          P("GPIO_V2_GET_LINEINFO_IOCTL", GPIO_V2_GET_LINEINFO_IOCTL);
          P("GPIO_V2_GET_LINE_IOCTL", GPIO_V2_GET_LINE_IOCTL);
          P("GPIO_V2_LINE_GET_VALUES_IOCTL", GPIO_V2_LINE_GET_VALUES_IOCTL);
          P("GPIO_V2_LINE_SET_VALUES_IOCTL", GPIO_V2_LINE_SET_VALUES_IOCTL);
          P("SPI_IOC_MESSAGE(1)", SPI_IOC_MESSAGE(1));
          P("SPI_IOC_WR_MODE", SPI_IOC_WR_MODE);
          P("SPI_IOC_WR_BITS_PER_WORD", SPI_IOC_WR_BITS_PER_WORD);
          P("SPI_IOC_WR_MAX_SPEED_HZ", SPI_IOC_WR_MAX_SPEED_HZ);
          P("GPIO_V2_LINE_FLAG_ACTIVE_LOW", GPIO_V2_LINE_FLAG_ACTIVE_LOW);
          P("GPIO_V2_LINE_FLAG_BIAS_PULL_UP", GPIO_V2_LINE_FLAG_BIAS_PULL_UP);
          P("GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN", GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN);
          P("GPIO_V2_LINE_FLAG_BIAS_DISABLED", GPIO_V2_LINE_FLAG_BIAS_DISABLED);
          P("GPIO_V2_LINE_FLAG_EDGE_RISING", GPIO_V2_LINE_FLAG_EDGE_RISING);
          P("GPIO_V2_LINE_FLAG_EDGE_FALLING", GPIO_V2_LINE_FLAG_EDGE_FALLING);
          P("GPIO_V2_LINE_ATTR_ID_DEBOUNCE", GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
          return 0;
        }
        """;

    private static readonly Lazy<Dictionary<string, ulong>> s_header = new(CompileAndRun);

    private static Dictionary<string, ulong> CompileAndRun()
    {
        var dir = TestPaths.NewTempDirectory("gpio-uapi");
        try
        {
            var src = Path.Combine(dir, "layout.c");
            var exe = Path.Combine(dir, "layout");
            File.WriteAllText(src, Program);
            Run("gcc", $"-o {exe} {src}");
            var output = Run(exe, string.Empty);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('='))
                .ToDictionary(p => p[0], p => ulong.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Run(string file, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {args} failed: {stderr}");
        return stdout;
    }

    private static ulong Header(string key) => s_header.Value[key];

    private static void Check(string key, ulong ours) => Assert.True(Header(key) == ours, $"{key}: header {Header(key):X}, ours {ours:X}");

    private static unsafe ulong Offset<TStruct, TField>(ref TStruct s, ref TField field)
        => (ulong)Unsafe.ByteOffset(ref Unsafe.As<TStruct, byte>(ref s), ref Unsafe.As<TField, byte>(ref field));

    [RequiresProgramFact("gcc")]
    public unsafe void Struct_sizes_match_the_kernel_header()
    {
        Assert.Equal(Header("sizeof gpiochip_info"), (ulong)sizeof(gpiochip_info));
        Assert.Equal(Header("sizeof gpio_v2_line_attribute"), (ulong)sizeof(gpio_v2_line_attribute));
        Assert.Equal(Header("sizeof gpio_v2_line_config_attribute"), (ulong)sizeof(gpio_v2_line_config_attribute));
        Assert.Equal(Header("sizeof gpio_v2_line_config"), (ulong)sizeof(gpio_v2_line_config));
        Assert.Equal(Header("sizeof gpio_v2_line_request"), (ulong)sizeof(gpio_v2_line_request));
        Assert.Equal(Header("sizeof gpio_v2_line_info"), (ulong)sizeof(gpio_v2_line_info));
        Assert.Equal(Header("sizeof gpio_v2_line_values"), (ulong)sizeof(gpio_v2_line_values));
        Assert.Equal(Header("sizeof gpio_v2_line_event"), (ulong)sizeof(gpio_v2_line_event));
        Assert.Equal(Header("sizeof spi_ioc_transfer"), (ulong)sizeof(VoiceAppliance.Interop.Spi.spi_ioc_transfer));
    }

    [RequiresProgramFact("gcc")]
    public void Field_offsets_match_the_kernel_header()
    {
        var chip = default(gpiochip_info);
        Assert.Equal(Header("offsetof gpiochip_info.lines"), Offset(ref chip, ref chip.lines));
        var attr = default(gpio_v2_line_attribute);
        Assert.Equal(Header("offsetof gpio_v2_line_attribute.value"), Offset(ref attr, ref attr.value));
        var cattr = default(gpio_v2_line_config_attribute);
        Assert.Equal(Header("offsetof gpio_v2_line_config_attribute.mask"), Offset(ref cattr, ref cattr.mask));
        var config = default(gpio_v2_line_config);
        Assert.Equal(Header("offsetof gpio_v2_line_config.num_attrs"), Offset(ref config, ref config.num_attrs));
        Assert.Equal(Header("offsetof gpio_v2_line_config.attrs"), Offset(ref config, ref config.attrs));
        var req = default(gpio_v2_line_request);
        Assert.Equal(Header("offsetof gpio_v2_line_request.config"), Offset(ref req, ref req.config));
        Assert.Equal(Header("offsetof gpio_v2_line_request.num_lines"), Offset(ref req, ref req.num_lines));
        Assert.Equal(Header("offsetof gpio_v2_line_request.event_buffer_size"), Offset(ref req, ref req.event_buffer_size));
        Assert.Equal(Header("offsetof gpio_v2_line_request.fd"), Offset(ref req, ref req.fd));
        var info = default(gpio_v2_line_info);
        Assert.Equal(Header("offsetof gpio_v2_line_info.offset"), Offset(ref info, ref info.offset));
        Assert.Equal(Header("offsetof gpio_v2_line_info.flags"), Offset(ref info, ref info.flags));
        Assert.Equal(Header("offsetof gpio_v2_line_info.attrs"), Offset(ref info, ref info.attrs));
        var ev = default(gpio_v2_line_event);
        Assert.Equal(Header("offsetof gpio_v2_line_event.id"), Offset(ref ev, ref ev.id));
        Assert.Equal(Header("offsetof gpio_v2_line_event.line_seqno"), Offset(ref ev, ref ev.line_seqno));
        var spi = default(VoiceAppliance.Interop.Spi.spi_ioc_transfer);
        Assert.Equal(Header("offsetof spi_ioc_transfer.len"), Offset(ref spi, ref spi.len));
        Assert.Equal(Header("offsetof spi_ioc_transfer.bits_per_word"), Offset(ref spi, ref spi.bits_per_word));
    }

    [RequiresProgramFact("gcc")]
    public void Ioctl_numbers_and_flags_match_the_kernel_header()
    {
        Check("GPIO_GET_CHIPINFO_IOCTL", GPIO_GET_CHIPINFO_IOCTL);
        Check("GPIO_V2_GET_LINEINFO_IOCTL", GPIO_V2_GET_LINEINFO_IOCTL);
        Check("GPIO_V2_GET_LINE_IOCTL", GPIO_V2_GET_LINE_IOCTL);
        Check("GPIO_V2_LINE_GET_VALUES_IOCTL", GPIO_V2_LINE_GET_VALUES_IOCTL);
        Check("GPIO_V2_LINE_SET_VALUES_IOCTL", GPIO_V2_LINE_SET_VALUES_IOCTL);
        Check("SPI_IOC_MESSAGE(1)", VoiceAppliance.Interop.Spi.SPI_IOC_MESSAGE_1);
        Check("SPI_IOC_WR_MODE", VoiceAppliance.Interop.Spi.SPI_IOC_WR_MODE);
        Check("SPI_IOC_WR_BITS_PER_WORD", VoiceAppliance.Interop.Spi.SPI_IOC_WR_BITS_PER_WORD);
        Check("SPI_IOC_WR_MAX_SPEED_HZ", VoiceAppliance.Interop.Spi.SPI_IOC_WR_MAX_SPEED_HZ);
        Check("GPIO_V2_LINE_FLAG_ACTIVE_LOW", GPIO_V2_LINE_FLAG_ACTIVE_LOW);
        Check("GPIO_V2_LINE_FLAG_BIAS_PULL_UP", GPIO_V2_LINE_FLAG_BIAS_PULL_UP);
        Check("GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN", GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN);
        Check("GPIO_V2_LINE_FLAG_BIAS_DISABLED", GPIO_V2_LINE_FLAG_BIAS_DISABLED);
        Check("GPIO_V2_LINE_FLAG_EDGE_RISING", GPIO_V2_LINE_FLAG_EDGE_RISING);
        Check("GPIO_V2_LINE_FLAG_EDGE_FALLING", GPIO_V2_LINE_FLAG_EDGE_FALLING);
        Check("GPIO_V2_LINE_ATTR_ID_DEBOUNCE", GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
    }

    [Fact]
    public unsafe void Line_request_carries_flags_debounce_and_consumer()
    {
        var flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_ACTIVE_LOW | ChardevGpioDriver.BiasFlag(GpioBias.PullUp);
        var req = ChardevGpioDriver.BuildRequest(17, "appliance", flags, 5000, outputValue: null);
        Assert.Equal(17u, req.offsets[0]);
        Assert.Equal(1u, req.num_lines);
        Assert.Equal(flags, req.config.flags);
        Assert.Equal(1u, req.config.num_attrs);
        Assert.Equal(GPIO_V2_LINE_ATTR_ID_DEBOUNCE, req.config.attrs[0].attr.id);
        Assert.Equal(5000ul, req.config.attrs[0].attr.value);
        Assert.Equal(1ul, req.config.attrs[0].mask);
        Assert.Equal((byte)'a', req.consumer[0]);
        Assert.Equal(0, req.consumer[9]);

        var output = ChardevGpioDriver.BuildRequest(5, "appliance", GPIO_V2_LINE_FLAG_OUTPUT, 0, outputValue: true);
        Assert.Equal(1u, output.config.num_attrs);
        Assert.Equal(GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES, output.config.attrs[0].attr.id);
        Assert.Equal(1ul, output.config.attrs[0].attr.value);
    }

    [Fact]
    public void Unknown_chip_label_names_the_chips_that_exist()
    {
        var driver = new ChardevGpioDriver(deviceDirectory: TestPaths.NewTempDirectory("nodev"));
        var ex = Assert.Throws<DeviceIOException>(() => driver.ResolveChipPath("pinctrl-nonexistent"));
        Assert.Contains("pinctrl-nonexistent", ex.Message, StringComparison.Ordinal);
        Assert.Contains("chips present", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Chip_path_and_kernel_name_resolve_without_touching_the_device()
    {
        var driver = new ChardevGpioDriver(deviceDirectory: "/dev");
        Assert.Equal("/dev/gpiochip4", driver.ResolveChipPath("gpiochip4"));
        Assert.Equal("/x/y", driver.ResolveChipPath("/x/y"));
    }

    [Fact]
    public void Opening_a_missing_chip_is_a_clear_error_with_errno()
    {
        var driver = new ChardevGpioDriver();
        var ex = Assert.Throws<DeviceIOException>(() => driver.OpenInput(new GpioLineAddress("/dev/gpiochip-missing-42", "17"), new GpioInputSettings(GpioBias.PullUp, true, TimeSpan.Zero)));
        Assert.Equal(2, ex.Errno);
        Assert.Contains("/dev/gpiochip-missing-42", ex.Message, StringComparison.Ordinal);
    }

    [HardwareFact("APPLIANCE_HW_JUMPER", "a jumper between two header GPIOs, e.g. APPLIANCE_HW_JUMPER=23,24")]
    [Trait("Category", "Hardware")]
    public void Jumper_between_two_header_pins_carries_output_to_input()
    {
        // On a Pi: connect GPIO 23 and GPIO 24 with a jumper and run
        //   APPLIANCE_HW_JUMPER=23,24 dotnet test tests/Appliance.Tests --filter Category=Hardware
        var jumper = Environment.GetEnvironmentVariable("APPLIANCE_HW_JUMPER")!;
        var pins = jumper.Split(',');
        var driver = new ChardevGpioDriver();
        using var output = driver.OpenOutput(new GpioLineAddress("auto", pins[0]), activeLow: false, initialActive: false);
        using var input = driver.OpenInput(new GpioLineAddress("auto", pins[1]), new GpioInputSettings(GpioBias.PullDown, false, TimeSpan.Zero));
        Assert.False(input.Read());
        output.Write(true);
        Assert.True(input.WaitForEdge(TimeSpan.FromSeconds(1), out var edge));
        Assert.Equal(GpioEdge.Rising, edge.Edge);
        Assert.True(input.Read());
    }
}
