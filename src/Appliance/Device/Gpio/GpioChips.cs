using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Globalization;

namespace VoiceAppliance.Device.Gpio;

/// <summary>
/// The GPIO chips of this machine, each behind one <see cref="GpioController"/> (System.Device.Gpio). Chips are
/// chosen by label, not number: a Pi 5's header is <c>pinctrl-rp1</c> on another chip number than a Pi 4's
/// <c>pinctrl-bcm2711</c>. The real chips come from <see cref="LibGpiod"/> (libgpiod's v1 API,
/// <c>libgpiod.so.2</c>, what Debian 12 and Raspberry Pi OS Bookworm ship); tests pass their own driver.
/// Nothing is loaded until a line is asked for, so a machine without libgpiod runs fine with no GPIO configured.
/// Thread-safe; disposing closes every controller (and so every line) it handed out.
/// </summary>
public sealed class GpioChips : IDisposable
{
    /// <summary>Labels of the chip that carries the 40-pin header, newest Pi first (Pi 5: RP1; Pi 4; Pi 3/Zero).</summary>
    public static IReadOnlyList<string> RaspberryPiHeaderLabels { get; } = ["pinctrl-rp1", "pinctrl-bcm2712", "pinctrl-bcm2711", "pinctrl-bcm2835"];

    /// <summary>
    /// The library <see cref="LibGpiodDriver"/> loads (libgpiod 1.x, Debian package <c>libgpiod2</c>); named here so
    /// that eng/runtime-packages.sh, which reads the <c>lib*.so.N</c> literals in src/, lists its package.
    /// </summary>
    public const string LibgpiodSoname = "libgpiod.so.2";

    /// <summary>What to install when libgpiod is missing.</summary>
    public const string InstallHint = "install libgpiod 1.x (Debian 12 / Raspberry Pi OS: `sudo apt install libgpiod2`)";

    private readonly Func<IReadOnlyList<GpioChipInfo>> _list;
    private readonly Func<GpioChipInfo, GpioDriver> _open;
    private readonly Dictionary<int, GpioController> _controllers = [];
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>Creates the set over a chip lister and a driver factory (the seam tests use).</summary>
    public GpioChips(Func<IReadOnlyList<GpioChipInfo>> listChips, Func<GpioChipInfo, GpioDriver> openDriver)
    {
        _list = listChips ?? throw new ArgumentNullException(nameof(listChips));
        _open = openDriver ?? throw new ArgumentNullException(nameof(openDriver));
    }

    /// <summary>The machine's chips through <see cref="LibGpiodDriver"/>.</summary>
    public static GpioChips LibGpiod() => new(() => [.. LibGpiodDriver.GetAvailableChips()], chip => new LibGpiodDriver(chip));

    /// <summary>Lists the chips; a missing libgpiod is a <see cref="DeviceIOException"/> that says what to install.</summary>
    public IReadOnlyList<GpioChipInfo> List()
    {
        try
        {
            return _list();
        }
        catch (Exception ex) when (IsMissingLibrary(ex))
        {
            throw new DeviceIOException($"GPIO needs {LibgpiodSoname}, which is not installed: {InstallHint}.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeviceIOException($"The GPIO chips could not be listed: {ex.Message}. Add the service user to the 'gpio' group.", ex);
        }
    }

    /// <summary>Resolves a chip selector (label, <c>gpiochipN</c>, <c>/dev/gpiochipN</c> or <c>auto</c>) to a chip.</summary>
    public GpioChipInfo Resolve(string selector)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(selector);
        var chips = List();
        var name = selector.StartsWith("/dev/", StringComparison.Ordinal) ? selector[5..] : selector;
        var byName = chips.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
        if (byName is not null)
        {
            return byName;
        }

        var wanted = string.Equals(selector, "auto", StringComparison.OrdinalIgnoreCase) ? RaspberryPiHeaderLabels : [selector];
        foreach (var label in wanted)
        {
            var found = chips.FirstOrDefault(c => string.Equals(c.Label, label, StringComparison.OrdinalIgnoreCase));
            if (found is not null)
            {
                return found;
            }
        }

        var present = chips.Count == 0
            ? "none (no /dev/gpiochip* this user can open: not a board with GPIO, or the service user is not in the 'gpio' group)"
            : string.Join(", ", chips.Select(c => $"{c.Name} '{c.Label}'"));
        var what = ReferenceEquals(wanted, RaspberryPiHeaderLabels) ? $"'auto' (a Raspberry Pi header chip: {string.Join(", ", RaspberryPiHeaderLabels)})" : $"'{selector}'";
        throw new DeviceIOException($"GPIO chip {what} not found; chips present: {present}. Set Gpio:Chip to one of those labels (`appliance devices` lists them).");
    }

    /// <summary>
    /// The line offset of <paramref name="line"/>: a number (<c>17</c>) or a Raspberry Pi line name (<c>GPIO17</c>,
    /// which is offset 17 on every Pi header chip).
    /// </summary>
    public static int LineOffset(string line)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(line);
        var digits = line.StartsWith("GPIO", StringComparison.OrdinalIgnoreCase) ? line.AsSpan(4) : line.AsSpan();
        if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var offset) && offset < 1024)
        {
            return offset;
        }

        throw new DeviceIOException($"GPIO line '{line}' is not a line offset; give a number such as 17 (or GPIO17).");
    }

    /// <summary>The controller of the chip <paramref name="selector"/> names (one per chip, shared).</summary>
    public GpioController Controller(string selector) => ControllerFor(Resolve(selector));

    private GpioController ControllerFor(GpioChipInfo chip)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_controllers.TryGetValue(chip.Id, out var existing))
            {
                return existing;
            }

            GpioDriver driver;
            try
            {
                driver = _open(chip);
            }
            catch (Exception ex) when (IsMissingLibrary(ex))
            {
                throw new DeviceIOException($"GPIO needs {LibgpiodSoname}, which is not installed: {InstallHint}.", ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new DeviceIOException($"/dev/{chip.Name} '{chip.Label}' could not be opened: {ex.Message}. Add the service user to the 'gpio' group.", ex);
            }

            var controller = new GpioController(driver);
            _controllers[chip.Id] = controller;
            return controller;
        }
    }

    /// <summary>
    /// Opens line <paramref name="line"/> of chip <paramref name="selector"/> in <paramref name="mode"/>; a busy line,
    /// a line the chip lacks or a denied request is a <see cref="DeviceIOException"/> naming the line and the fix.
    /// </summary>
    public (GpioController Controller, int Offset) OpenLine(string selector, string line, PinMode mode, PinValue? initial = null)
    {
        var offset = LineOffset(line);
        var chip = Resolve(selector);
        var controller = ControllerFor(chip);
        if (offset >= chip.NumLines)
        {
            throw new DeviceIOException($"GPIO line {offset} does not exist on /dev/{chip.Name} '{chip.Label}' ({chip.NumLines} lines, 0..{chip.NumLines - 1}).");
        }

        try
        {
            if (initial is { } value)
            {
                controller.OpenPin(offset, mode, value);
            }
            else
            {
                controller.OpenPin(offset, mode);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            throw new DeviceIOException(
                $"GPIO line {offset} on /dev/{chip.Name} '{chip.Label}' could not be requested as {mode}: {ex.Message}. If another program holds it, stop that program or choose another line (`gpioinfo` shows who holds it); if access is denied, add the service user to the 'gpio' group.",
                ex);
        }

        return (controller, offset);
    }

    /// <summary>Closes every controller and line.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var c in _controllers.Values)
            {
                c.Dispose();
            }

            _controllers.Clear();
        }
    }

    private static bool IsMissingLibrary(Exception ex) => ex is DllNotFoundException or EntryPointNotFoundException
        || (ex is TypeInitializationException { InnerException: { } inner } && IsMissingLibrary(inner));
}
