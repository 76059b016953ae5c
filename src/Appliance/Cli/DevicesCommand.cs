using System.Globalization;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Audio.Alsa.Dsp;
using VoiceAppliance.Device;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;

namespace VoiceAppliance.Cli;

/// <summary>
/// <c>appliance devices</c>: ALSA capture and playback devices with the names to put in the configuration, the
/// known mic-array profiles, and the GPIO chips with their labels. <c>appliance mic-test [--device PCM]
/// [--channels N] [--rate HZ] [--seconds S]</c>: a live level meter per channel, to pick channels on a mic array.
/// </summary>
public static class DevicesCommand
{
    /// <summary>Runs <c>devices</c>.</summary>
    public static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        IReadOnlyList<AlsaDeviceInfo> devices;
        try
        {
            devices = AlsaDevices.List();
        }
        catch (AlsaException ex)
        {
            await stderr.WriteLineAsync($"appliance devices: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }

        await stdout.WriteLineAsync("Capture devices (Audio:CaptureDevice; prefer plughw:CARD=name over card numbers):").ConfigureAwait(false);
        foreach (var d in devices.Where(d => d.CanCapture))
        {
            await stdout.WriteLineAsync($"  {d.Name,-40} {OneLine(d.Description)}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync("Playback devices (Audio:PlaybackDevice):").ConfigureAwait(false);
        foreach (var d in devices.Where(d => d.CanPlay))
        {
            await stdout.WriteLineAsync($"  {d.Name,-40} {OneLine(d.Description)}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync("Mic-array profiles (Audio:Profile):").ConfigureAwait(false);
        foreach (var p in MicArrayProfile.All)
        {
            await stdout.WriteLineAsync($"  {p.Id,-20} {p.Channels} ch, {p.Description}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync("GPIO chips (Gpio:Chip, by label; through libgpiod):").ConfigureAwait(false);
        try
        {
            using var gpio = GpioChips.LibGpiod();
            var chips = gpio.List();
            if (chips.Count == 0)
            {
                await stdout.WriteLineAsync("  none (no /dev/gpiochip* this user can open: not a board with GPIO, or not in the 'gpio' group)").ConfigureAwait(false);
            }

            foreach (var chip in chips)
            {
                var header = GpioChips.RaspberryPiHeaderLabels.Contains(chip.Label, StringComparer.OrdinalIgnoreCase) ? "  (Raspberry Pi header: Gpio:Chip auto finds it)" : string.Empty;
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  /dev/{chip.Name,-12} '{chip.Label}', {chip.NumLines} lines{header}")).ConfigureAwait(false);
            }
        }
        catch (DeviceIOException ex)
        {
            await stdout.WriteLineAsync($"  unavailable: {ex.Message}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync("SPI devices (Leds:SpiDevice; System.Device.Spi bus.chip-select):").ConfigureAwait(false);
        var spi = Directory.Exists("/dev") ? Directory.EnumerateFiles("/dev", "spidev*").Order(StringComparer.Ordinal).ToList() : [];
        if (spi.Count == 0)
        {
            await stdout.WriteLineAsync("  none (enable SPI: dtparam=spi=on in /boot/firmware/config.txt, then reboot)").ConfigureAwait(false);
        }

        foreach (var path in spi)
        {
            string line;
            try
            {
                var settings = LedFactory.SpiSettings(path, 8_000_000);
                line = string.Create(CultureInfo.InvariantCulture, $"bus {settings.BusId}, chip select {settings.ChipSelectLine}, {Access(path)}");
            }
            catch (DeviceIOException ex)
            {
                line = ex.Message;
            }

            await stdout.WriteLineAsync($"  {path,-20} {line}").ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Runs <c>mic-test</c>.</summary>
    public static async Task<int> MicTestAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var device = "default";
        int channels = 2, rate = 16000;
        var seconds = 10.0;
        for (var i = 0; i < args.Length; i++)
        {
            var hasValue = i + 1 < args.Length;
            switch (args[i])
            {
                case "--device" when hasValue:
                    device = args[++i];
                    break;
                case "--channels" when hasValue && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c is >= 1 and <= 16:
                    channels = c;
                    i++;
                    break;
                case "--rate" when hasValue && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r is >= 8000 and <= 192000:
                    rate = r;
                    i++;
                    break;
                case "--seconds" when hasValue && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is > 0 and <= 3600:
                    seconds = s;
                    i++;
                    break;
                default:
                    await stderr.WriteLineAsync($"appliance mic-test: unknown, incomplete or out-of-range option '{args[i]}'.\nusage: appliance mic-test [--device PCM] [--channels 1-16] [--rate HZ] [--seconds S]").ConfigureAwait(false);
                    return ExitCodes.Usage;
            }
        }

        try
        {
            using var pcm = AlsaPcm.Open(device, AlsaStreamDirection.Capture, new AlsaPcmSettings { Format = AlsaSampleFormat.S16LE, SampleRate = rate, Channels = channels, PeriodFrames = rate / 10 });
            var p = pcm.Accepted;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{device}: {p.Channels} ch, {p.SampleRate} Hz, {p.Format}; one line per 100 ms, RMS dBFS per channel (speak into each mic)")).ConfigureAwait(false);
            var raw = new byte[p.PeriodFrames * p.FrameBytes];
            var interleaved = new float[p.PeriodFrames * p.Channels];
            var channel = new float[p.PeriodFrames];
            var end = DateTime.UtcNow.AddSeconds(seconds);
            var line = new System.Text.StringBuilder();
            while (DateTime.UtcNow < end && !cancellationToken.IsCancellationRequested)
            {
                var got = pcm.Read(raw, p.PeriodFrames);
                if (got < 0)
                {
                    if (pcm.Recover(got) < 0)
                    {
                        throw pcm.Error(got, "snd_pcm_readi");
                    }

                    continue;
                }

                SampleConverter.ToFloat(p.Format, raw.AsSpan(0, got * p.FrameBytes), interleaved.AsSpan(0, got * p.Channels));
                line.Clear();
                for (var c = 0; c < p.Channels; c++)
                {
                    for (var f = 0; f < got; f++)
                    {
                        channel[f] = interleaved[(f * p.Channels) + c];
                    }

                    var db = AudioLevels.ToDbfs(AudioLevels.Rms(channel.AsSpan(0, got)));
                    var bar = new string('#', (int)Math.Clamp((db + 70) / 3, 0, 20));
                    line.Append(CultureInfo.InvariantCulture, $"ch{c} {db,6:F1} {bar,-20} ");
                }

                await stdout.WriteLineAsync(line.ToString()).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }
        catch (AlsaException ex)
        {
            await stderr.WriteLineAsync($"appliance mic-test: {ex.Message.TrimEnd('.')}. List devices with 'appliance devices'.").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
    }

    private static string Access(string path)
    {
        try
        {
            using (File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            {
            }

            return "usable";
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied (add the user to the 'spi' group)";
        }
        catch (IOException ex)
        {
            return $"unavailable: {ex.Message}";
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" / ");
}
