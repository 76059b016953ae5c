using System.Globalization;
using System.Text;
using static VoiceAppliance.Interop.Gpio;

namespace VoiceAppliance.Device.Gpio;

/// <summary>
/// GPIO through the Linux character device, uAPI v2 ioctls. A thin layer: it only fills the kernel's structs,
/// resolves chips by label and lines by name, and turns errno into <see cref="DeviceIOException"/>.
/// </summary>
public sealed class ChardevGpioDriver : IGpioDriver
{
    /// <summary>Labels of the chip that carries the 40-pin header, newest Pi first (Pi 5: RP1; Pi 4; Pi 3/Zero).</summary>
    public static IReadOnlyList<string> RaspberryPiHeaderLabels { get; } = ["pinctrl-rp1", "pinctrl-bcm2712", "pinctrl-bcm2711", "pinctrl-bcm2835"];

    private readonly string _consumer;
    private readonly string _deviceDirectory;

    /// <summary>Creates the driver; <paramref name="consumer"/> is the name <c>gpioinfo</c> shows for held lines.</summary>
    public ChardevGpioDriver(string consumer = "appliance", string deviceDirectory = "/dev")
    {
        _consumer = consumer;
        _deviceDirectory = deviceDirectory;
    }

    /// <summary>Lists the GPIO chips (chips that cannot be opened are skipped).</summary>
    public IReadOnlyList<GpioChipInfo> ListChips()
    {
        var chips = new List<GpioChipInfo>();
        if (!Directory.Exists(_deviceDirectory))
        {
            return chips;
        }

        foreach (var path in Directory.EnumerateFiles(_deviceDirectory, "gpiochip*").Order(StringComparer.Ordinal))
        {
            try
            {
                using var fd = OpenDevice(path, Interop.Libc.O_RDONLY);
                chips.Add(ReadChipInfo(fd, path));
            }
            catch (DeviceIOException)
            {
                // not accessible: left out of the list
            }
        }

        return chips;
    }

    /// <summary>Resolves a chip selector (path, kernel name, label or <c>auto</c>) to its device node.</summary>
    public string ResolveChipPath(string chip)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(chip);
        if (chip.StartsWith('/'))
        {
            return chip;
        }

        if (chip.StartsWith("gpiochip", StringComparison.Ordinal) && int.TryParse(chip.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return Path.Combine(_deviceDirectory, chip);
        }

        var chips = ListChips();
        var wanted = string.Equals(chip, "auto", StringComparison.OrdinalIgnoreCase) ? RaspberryPiHeaderLabels : [chip];
        foreach (var label in wanted)
        {
            var found = chips.FirstOrDefault(c => string.Equals(c.Label, label, StringComparison.OrdinalIgnoreCase));
            if (found is not null)
            {
                return found.Path;
            }
        }

        var present = chips.Count == 0 ? "none (no /dev/gpiochip* readable)" : string.Join(", ", chips.Select(c => $"{c.Name} '{c.Label}'"));
        throw new DeviceIOException($"GPIO chip '{chip}' not found; chips present: {present}. Use a path, a gpiochipN name or one of those labels.");
    }

    /// <inheritdoc/>
    public IGpioInput OpenInput(GpioLineAddress address, GpioInputSettings settings)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(settings);
        var flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING | BiasFlag(settings.Bias);
        if (settings.ActiveLow)
        {
            flags |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
        }

        var debounceUs = (uint)Math.Clamp(settings.Debounce.Ticks / TimeSpan.TicksPerMicrosecond, 0, uint.MaxValue);
        var (fd, offset, name) = RequestLine(address, flags, debounceUs, outputValue: null);
        return new ChardevInput(fd, offset, name);
    }

    /// <inheritdoc/>
    public IGpioOutput OpenOutput(GpioLineAddress address, bool activeLow, bool initialActive)
    {
        ArgumentNullException.ThrowIfNull(address);
        var flags = GPIO_V2_LINE_FLAG_OUTPUT | (activeLow ? GPIO_V2_LINE_FLAG_ACTIVE_LOW : 0);
        var (fd, _, name) = RequestLine(address, flags, 0, initialActive);
        return new ChardevOutput(fd, name);
    }

    internal static ulong BiasFlag(GpioBias bias) => bias switch
    {
        GpioBias.PullUp => GPIO_V2_LINE_FLAG_BIAS_PULL_UP,
        GpioBias.PullDown => GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN,
        GpioBias.Disabled => GPIO_V2_LINE_FLAG_BIAS_DISABLED,
        _ => 0,
    };

    /// <summary>Fills a line request for one line; separate from the ioctl so tests can inspect it.</summary>
    internal static unsafe gpio_v2_line_request BuildRequest(uint offset, string consumer, ulong flags, uint debounceUs, bool? outputValue)
    {
        var req = default(gpio_v2_line_request);
        req.offsets[0] = offset;
        req.num_lines = 1;
        req.event_buffer_size = 0; // kernel default (16 per line)
        var consumerBytes = Encoding.UTF8.GetBytes(consumer);
        var n = Math.Min(consumerBytes.Length, MaxNameSize - 1);
        for (var i = 0; i < n; i++)
        {
            req.consumer[i] = consumerBytes[i];
        }

        req.config.flags = flags;
        uint attrs = 0;
        if (debounceUs > 0)
        {
            req.config.attrs[(int)attrs] = new gpio_v2_line_config_attribute
            {
                attr = new gpio_v2_line_attribute { id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE, value = debounceUs },
                mask = 1,
            };
            attrs++;
        }

        if (outputValue is { } value)
        {
            req.config.attrs[(int)attrs] = new gpio_v2_line_config_attribute
            {
                attr = new gpio_v2_line_attribute { id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES, value = value ? 1UL : 0UL },
                mask = 1,
            };
            attrs++;
        }

        req.config.num_attrs = attrs;
        req.fd = -1;
        return req;
    }

    private unsafe (FileDescriptorSafeHandle Fd, uint Offset, string Name) RequestLine(GpioLineAddress address, ulong flags, uint debounceUs, bool? outputValue)
    {
        var path = ResolveChipPath(address.Chip);
        using var chip = OpenDevice(path, Interop.Libc.O_RDWR);
        var offset = ResolveLineOffset(chip, path, address.Line);
        var req = BuildRequest(offset, _consumer, flags, debounceUs, outputValue);
        if (Interop.Libc.ioctl(chip.Fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0)
        {
            throw DeviceIOException.FromLastError($"{path} line {address.Line}", "GPIO_V2_GET_LINE_IOCTL");
        }

        return (new FileDescriptorSafeHandle(req.fd), offset, $"{path} line {address.Line}");
    }

    private static unsafe uint ResolveLineOffset(FileDescriptorSafeHandle chip, string path, string line)
    {
        var info = ReadChipInfo(chip, path);
        if (uint.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            if (number >= info.Lines)
            {
                throw new DeviceIOException($"GPIO line {number} does not exist on {path} '{info.Label}' ({info.Lines} lines, 0..{info.Lines - 1}).");
            }

            return number;
        }

        for (uint i = 0; i < info.Lines; i++)
        {
            var li = default(gpio_v2_line_info);
            li.offset = i;
            if (Interop.Libc.ioctl(chip.Fd, GPIO_V2_GET_LINEINFO_IOCTL, &li) < 0)
            {
                throw DeviceIOException.FromLastError(path, "GPIO_V2_GET_LINEINFO_IOCTL");
            }

            if (string.Equals(CString(li.name, MaxNameSize), line, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new DeviceIOException($"GPIO line named '{line}' not found on {path} '{info.Label}'; use its offset or a name `gpioinfo` lists.");
    }

    private static unsafe GpioChipInfo ReadChipInfo(FileDescriptorSafeHandle fd, string path)
    {
        var info = default(gpiochip_info);
        if (Interop.Libc.ioctl(fd.Fd, GPIO_GET_CHIPINFO_IOCTL, &info) < 0)
        {
            throw DeviceIOException.FromLastError(path, "GPIO_GET_CHIPINFO_IOCTL");
        }

        return new GpioChipInfo(path, CString(info.name, MaxNameSize), CString(info.label, MaxNameSize), (int)info.lines);
    }

    internal static FileDescriptorSafeHandle OpenDevice(string path, int flags)
    {
        var fd = Interop.Libc.open(path, flags | Interop.Libc.O_CLOEXEC);
        if (fd < 0)
        {
            throw DeviceIOException.FromLastError(path, "open");
        }

        return new FileDescriptorSafeHandle(fd);
    }

    private static unsafe string CString(byte* bytes, int max)
    {
        var span = new ReadOnlySpan<byte>(bytes, max);
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    private sealed class ChardevInput(FileDescriptorSafeHandle fd, uint offset, string name) : IGpioInput
    {
        public unsafe bool Read()
        {
            var values = new gpio_v2_line_values { mask = 1 };
            if (Interop.Libc.ioctl(fd.Fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &values) < 0)
            {
                throw DeviceIOException.FromLastError(name, "GPIO_V2_LINE_GET_VALUES_IOCTL");
            }

            return (values.bits & 1) != 0;
        }

        public unsafe bool WaitForEdge(TimeSpan timeout, out GpioEdgeEvent edge)
        {
            edge = default;
            var pfd = new Interop.Libc.PollFd { fd = fd.Fd, events = Interop.Libc.POLLIN };
            var ms = (int)Math.Clamp(timeout.TotalMilliseconds, -1, int.MaxValue);
            var ready = Interop.Libc.poll(&pfd, 1, ms);
            if (ready < 0)
            {
                if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Interop.Libc.EINTR)
                {
                    return false;
                }

                throw DeviceIOException.FromLastError(name, "poll");
            }

            if (ready == 0)
            {
                return false;
            }

            gpio_v2_line_event ev;
            var n = Interop.Libc.read(fd.Fd, &ev, (nuint)sizeof(gpio_v2_line_event));
            if (n < 0)
            {
                throw DeviceIOException.FromLastError(name, "read edge event");
            }

            if (n != sizeof(gpio_v2_line_event))
            {
                throw new DeviceIOException($"{name}: short edge event read ({n} of {sizeof(gpio_v2_line_event)} bytes).");
            }

            edge = new GpioEdgeEvent(ev.id == GPIO_V2_LINE_EVENT_RISING_EDGE ? GpioEdge.Rising : GpioEdge.Falling, ev.timestamp_ns, offset, ev.line_seqno);
            return true;
        }

        public void Dispose() => fd.Dispose();
    }

    private sealed class ChardevOutput(FileDescriptorSafeHandle fd, string name) : IGpioOutput
    {
        public unsafe void Write(bool active)
        {
            var values = new gpio_v2_line_values { mask = 1, bits = active ? 1UL : 0UL };
            if (Interop.Libc.ioctl(fd.Fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &values) < 0)
            {
                throw DeviceIOException.FromLastError(name, "GPIO_V2_LINE_SET_VALUES_IOCTL");
            }
        }

        public void Dispose() => fd.Dispose();
    }
}
