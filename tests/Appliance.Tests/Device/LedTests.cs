using System.Device.Gpio;
using System.Device.Spi;
using VoiceAppliance.Configuration;
using VoiceAppliance.Device;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Device;

/// <summary>
/// An SPI device at the hardware seam, as a System.Device.Spi <see cref="SpiDevice"/>: keeps a copy of every
/// transfer (the bytes the APA102 binding clocks out).
/// </summary>
public sealed class FakeSpiDevice(int bus = 0, int chipSelect = 1) : SpiDevice
{
    public List<byte[]> Writes { get; } = [];

    public bool FailWrites { get; set; }

    public bool Disposed { get; private set; }

    public override SpiConnectionSettings ConnectionSettings { get; } = new(bus, chipSelect);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (FailWrites)
        {
            throw new IOException("Error 19 (No such device).");
        }

        Writes.Add(buffer.ToArray());
    }

    public override void Read(Span<byte> buffer) => throw new NotSupportedException("APA102 is write-only");

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => throw new NotSupportedException("APA102 is write-only");

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}

/// <summary>A strip that records frames as colours.</summary>
public sealed class RecordingStrip(int count) : ILedStrip
{
    public List<Rgb[]> Frames { get; } = [];

    public int Count { get; } = count;

    public Rgb[] Last => Frames[^1];

    public void Show(ReadOnlySpan<Rgb> colors) => Frames.Add(colors.ToArray());

    public void Dispose()
    {
    }
}

public sealed class Apa102StripTests
{
    [Fact]
    public void Frame_is_start_frame_then_brightness_and_bgr_per_led_then_end_frame()
    {
        var spi = new FakeSpiDevice();
        using var strip = new Apa102Strip(spi, 3, globalBrightness: 10);
        strip.Show([new Rgb(1, 2, 3), new Rgb(0xFF, 0, 0), new Rgb(0, 0, 0)]);
        byte[] expected =
        [
            0, 0, 0, 0,
            0xEA, 3, 2, 1,
            0xEA, 0, 0, 0xFF,
            0xEA, 0, 0, 0,
            0xFF, 0xFF, 0xFF, 0xFF,
        ];
        Assert.Equal(expected, spi.Writes[^1]);
    }

    [Fact]
    public void The_strip_writes_an_all_off_frame_when_it_opens()
    {
        var spi = new FakeSpiDevice();
        using var strip = new Apa102Strip(spi, 2, globalBrightness: 31);
        Assert.Equal([0, 0, 0, 0, 0xFF, 0, 0, 0, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF], spi.Writes.Single());
    }

    [Fact]
    public void Power_line_is_on_while_the_strip_lives_and_leds_go_dark_on_dispose()
    {
        var spi = new FakeSpiDevice();
        var gpio = new FakeGpioDriver();
        using var chips = gpio.Chips();
        var power = GpioOutputLine.Open(chips, "auto", "5", activeLow: false, initialActive: false);
        var strip = new Apa102Strip(spi, 12, power: power);
        Assert.True(gpio.Pins[5].High);
        strip.Show(Enumerable.Repeat(new Rgb(9, 9, 9), 12).ToArray());
        strip.Dispose();
        Assert.Equal([false, true, false], gpio.Pins[5].Writes);
        Assert.False(gpio.Pins[5].IsOpen);
        Assert.True(spi.Disposed);
        var last = spi.Writes[^1];
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal([0xE0, 0, 0, 0], last.AsSpan(4 + (4 * i), 4).ToArray());
        }
    }

    [Fact]
    public void A_failing_first_frame_names_the_device_and_the_fix_and_releases_it()
    {
        var spi = new FakeSpiDevice(0, 1) { FailWrites = true };
        var ex = Assert.Throws<DeviceIOException>(() => new Apa102Strip(spi, 3));
        Assert.Contains("/dev/spidev0.1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dtparam=spi=on", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'spi' group", ex.Message, StringComparison.Ordinal);
        Assert.True(spi.Disposed);
    }

    [Fact]
    public void Wrong_number_of_colours_is_rejected()
    {
        using var strip = new Apa102Strip(new FakeSpiDevice(), 3);
        Assert.Throws<ArgumentException>(() => strip.Show([Rgb.Off]));
    }

    [Fact]
    public void Brightness_above_five_bits_is_rejected()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new Apa102Strip(new FakeSpiDevice(), 3, 32));

    [Fact]
    public void Spidev_paths_become_bus_and_chip_select_and_bad_ones_say_what_is_expected()
    {
        var s = LedFactory.SpiSettings("/dev/spidev0.1", 4_000_000);
        Assert.Equal((0, 1, 4_000_000, SpiMode.Mode0, 8), (s.BusId, s.ChipSelectLine, s.ClockFrequency, s.Mode, s.DataBitLength));
        Assert.Equal("/dev/spidev10.2", Apa102Strip.DevicePath(LedFactory.SpiSettings("/dev/spidev10.2", 1)));
        var ex = Assert.Throws<DeviceIOException>(() => LedFactory.SpiSettings("/dev/spi0", 1));
        Assert.Contains("/dev/spidevB.C", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_spidev_node_says_to_enable_spi()
    {
        var ex = Assert.Throws<DeviceIOException>(() => LedFactory.OpenSpi(new SpiConnectionSettings(97, 3)));
        Assert.Contains("/dev/spidev97.3 does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dtparam=spi=on", ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// The frame the ReSpeaker 2-Mic HAT's three APA102 LEDs get when each pipeline state begins (default patterns,
/// brightness 16 = header 0xF0), byte for byte as the binding clocks them out over SPI.
/// </summary>
public sealed class Apa102StateFrameTests
{
    private static byte[] Frame(params byte[][] leds) => [0, 0, 0, 0, .. leds.SelectMany(l => l), 0xFF, 0xFF, 0xFF, 0xFF];

    private static byte[] Led(byte r, byte g, byte b) => [0xF0, b, g, r];

    public static TheoryData<PipelineState, byte[]> Frames => new()
    {
        // Idle: off.
        { PipelineState.Idle, Frame(Led(0, 0, 0), Led(0, 0, 0), Led(0, 0, 0)) },

        // Listening: solid blue.
        { PipelineState.Listening, Frame(Led(0, 0, 255), Led(0, 0, 255), Led(0, 0, 255)) },

        // Transcribing: cyan (0, 160, 255) spin, head on LED 0, the 35 % tail on the LED behind it (LED 2).
        { PipelineState.Transcribing, Frame(Led(0, 160, 255), Led(0, 0, 0), Led(0, 56, 89)) },

        // Thinking: purple (128, 0, 255) spin, same shape.
        { PipelineState.Thinking, Frame(Led(128, 0, 255), Led(0, 0, 0), Led(45, 0, 89)) },

        // Speaking: green (0, 255, 64) pulse starts at its 30 % floor.
        { PipelineState.Speaking, Frame(Led(0, 76, 19), Led(0, 76, 19), Led(0, 76, 19)) },

        // Muted: solid red.
        { PipelineState.Muted, Frame(Led(255, 0, 0), Led(255, 0, 0), Led(255, 0, 0)) },

        // Error: orange (255, 64, 0) blink, on for the first half period.
        { PipelineState.Error, Frame(Led(255, 64, 0), Led(255, 64, 0), Led(255, 64, 0)) },
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public void Each_state_starts_with_its_frame(PipelineState state, byte[] expected)
    {
        var config = ApplianceConfiguration.CreateDefault().LoadJson("""{ "Leds": { "Preset": "respeaker-2mic" } }""", new Dictionary<string, string?>());
        var spi = new FakeSpiDevice();
        var gpio = new FakeGpioDriver();
        using var chips = gpio.Chips();
        using var strip = LedFactory.Create(config.Leds, config.Gpio, chips, _ => spi)!;
        using var leds = new LedController(strip, config.Leds.Patterns, new ManualTimeProvider(), config.Leds.FrameInterval);
        leds.OnStateChanged(state == PipelineState.Muted ? PipelineState.Listening : PipelineState.Muted); // something else first
        leds.OnStateChanged(state);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(spi.Writes[^1]));
    }
}

public sealed class GpioLedStripTests
{
    [Fact]
    public void Leds_follow_the_colour_threshold_and_only_changes_are_written()
    {
        var gpio = new FakeGpioDriver();
        using var chips = gpio.Chips();
        var lines = new[] { "17", "GPIO27" }.Select(l => GpioOutputLine.Open(chips, "pinctrl-bcm2711", l, false, false)).ToList();
        var strip = new GpioLedStrip(lines, threshold: 96);
        strip.Show([new Rgb(255, 0, 0), new Rgb(10, 10, 10)]);
        strip.Show([new Rgb(255, 0, 0), new Rgb(0, 200, 0)]);
        Assert.Equal(PinMode.Output, gpio.Pins[17].Mode);
        Assert.Equal([false, false, true], gpio.Pins[17].Writes);
        Assert.Equal([false, false, true], gpio.Pins[27].Writes);
        strip.Dispose();
        Assert.Equal([false, false, true, false], gpio.Pins[17].Writes);
        Assert.False(gpio.Pins[17].IsOpen);
    }

    [Fact]
    public void An_active_low_line_is_driven_low_when_on()
    {
        var gpio = new FakeGpioDriver();
        using var chips = gpio.Chips();
        using var line = GpioOutputLine.Open(chips, "auto", "6", activeLow: true, initialActive: false);
        line.Write(true);
        Assert.Equal([true, false], gpio.Pins[6].Writes);
    }
}

public sealed class LedPatternTests
{
    private static readonly Rgb s_blue = new(0, 0, 200);

    [Fact]
    public void Spin_moves_the_head_once_round_per_period_with_a_tail()
    {
        var p = new LedPattern(LedEffect.Spin, s_blue, TimeSpan.FromMilliseconds(1200));
        var leds = new Rgb[12];
        p.Render(TimeSpan.Zero, 0, leds);
        Assert.Equal(s_blue, leds[0]);
        Assert.Equal(s_blue.Scale(0.35f), leds[11]);
        Assert.Equal(s_blue.Scale(0.1f), leds[10]);
        Assert.Equal(Rgb.Off, leds[5]);
        p.Render(TimeSpan.FromMilliseconds(500), 0, leds);
        Assert.Equal(s_blue, leds[5]);
        Assert.Equal(s_blue.Scale(0.35f), leds[4]);
        p.Render(TimeSpan.FromMilliseconds(1200), 0, leds);
        Assert.Equal(s_blue, leds[0]);
    }

    [Fact]
    public void Pulse_breathes_between_floor_and_full()
    {
        var p = new LedPattern(LedEffect.Pulse, new Rgb(0, 200, 0), TimeSpan.FromSeconds(2), 0.25f);
        var leds = new Rgb[3];
        p.Render(TimeSpan.Zero, 0, leds);
        Assert.Equal(new Rgb(0, 50, 0), leds[0]);
        p.Render(TimeSpan.FromSeconds(1), 0, leds);
        Assert.Equal(new Rgb(0, 200, 0), leds[2]);
    }

    [Fact]
    public void Blink_is_on_for_the_first_half_period()
    {
        var p = new LedPattern(LedEffect.Blink, s_blue, TimeSpan.FromSeconds(1));
        var leds = new Rgb[1];
        p.Render(TimeSpan.FromMilliseconds(499), 0, leds);
        Assert.Equal(s_blue, leds[0]);
        p.Render(TimeSpan.FromMilliseconds(500), 0, leds);
        Assert.Equal(Rgb.Off, leds[0]);
        p.Render(TimeSpan.FromMilliseconds(1000), 0, leds);
        Assert.Equal(s_blue, leds[0]);
    }

    [Fact]
    public void Level_scales_with_the_mic_level_above_the_floor()
    {
        var p = new LedPattern(LedEffect.Level, new Rgb(0, 0, 200), TimeSpan.FromSeconds(1), 0.1f);
        var leds = new Rgb[2];
        p.Render(TimeSpan.Zero, 0.5f, leds);
        Assert.Equal(new Rgb(0, 0, 100), leds[1]);
        p.Render(TimeSpan.Zero, 0f, leds);
        Assert.Equal(new Rgb(0, 0, 20), leds[0]);
    }

    [Fact]
    public void Spin_on_a_single_led_keeps_it_lit()
    {
        var p = new LedPattern(LedEffect.Spin, s_blue, TimeSpan.FromSeconds(1));
        var leds = new Rgb[1];
        p.Render(TimeSpan.FromMilliseconds(700), 0, leds);
        Assert.Equal(s_blue, leds[0]);
    }

    [Theory]
    [InlineData("#FF8000", 255, 128, 0)]
    [InlineData("00ff10", 0, 255, 16)]
    public void Colours_parse_from_hex(string text, byte r, byte g, byte b)
    {
        Assert.True(Rgb.TryParse(text, out var c));
        Assert.Equal(new Rgb(r, g, b), c);
    }

    [Theory]
    [InlineData("red")]
    [InlineData("#FFF")]
    [InlineData("")]
    public void Bad_colours_do_not_parse(string text) => Assert.False(Rgb.TryParse(text, out _));
}

public sealed class LedControllerTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly RecordingStrip _strip = new(3);

    private LedController Create(LedPatternSet? patterns = null) => new(_strip, patterns ?? LedPatternSet.Defaults, _time, TimeSpan.FromMilliseconds(50));

    [Fact]
    public void Starts_idle_with_the_leds_off()
    {
        using var c = Create();
        Assert.Equal(PipelineState.Idle, c.State);
        Assert.All(_strip.Last, l => Assert.Equal(Rgb.Off, l));
    }

    [Theory]
    [InlineData(PipelineState.Listening, 0, 0, 255)]
    [InlineData(PipelineState.Muted, 255, 0, 0)]
    public void Static_states_draw_one_frame_and_no_timer_runs(PipelineState state, byte r, byte g, byte b)
    {
        using var c = Create();
        c.OnStateChanged(state);
        var frames = _strip.Frames.Count;
        Assert.All(_strip.Last, l => Assert.Equal(new Rgb(r, g, b), l));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(frames, _strip.Frames.Count);
    }

    [Fact]
    public void Thinking_spins_frame_by_frame_on_the_time_provider()
    {
        using var c = Create();
        c.OnStateChanged(PipelineState.Thinking); // 900 ms period over 3 LEDs: head moves every 300 ms
        var color = LedPatternSet.DefaultFor(PipelineState.Thinking).Color;
        Assert.Equal(color, _strip.Last[0]);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(color, _strip.Last[1]);
        Assert.Equal(color.Scale(0.35f), _strip.Last[0]);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(color, _strip.Last[2]);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(color, _strip.Last[0]);
    }

    [Fact]
    public void Unchanged_frames_are_not_rewritten()
    {
        using var c = Create();
        c.OnStateChanged(PipelineState.Error); // blink, 1 s period
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1 + 5, _strip.Frames.Count); // idle, then on at 0, off at 0.5 s, on at 1 s, off at 1.5 s, on at 2 s: 40 timer ticks, 5 frames
    }

    [Fact]
    public void Error_blinks_with_its_period()
    {
        using var c = Create();
        c.OnStateChanged(PipelineState.Error);
        var color = LedPatternSet.DefaultFor(PipelineState.Error).Color;
        Assert.Equal(color, _strip.Last[0]);
        _time.Advance(TimeSpan.FromMilliseconds(450));
        Assert.Equal(color, _strip.Last[0]);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(Rgb.Off, _strip.Last[0]);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(color, _strip.Last[0]);
    }

    [Fact]
    public void Listening_can_follow_the_mic_level()
    {
        var patterns = new LedPatternSet(new Dictionary<PipelineState, LedPattern>
        {
            [PipelineState.Listening] = new(LedEffect.Level, new Rgb(0, 0, 200), TimeSpan.FromSeconds(1), 0.1f),
        });
        using var c = Create(patterns);
        c.OnStateChanged(PipelineState.Listening);
        Assert.Equal(new Rgb(0, 0, 20), _strip.Last[0]);
        c.OnLevel(0.5f);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(new Rgb(0, 0, 100), _strip.Last[0]);
        c.OnLevel(float.NaN);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(new Rgb(0, 0, 20), _strip.Last[0]);
    }

    [Fact]
    public void Leaving_an_animated_state_stops_the_animation()
    {
        using var c = Create();
        c.OnStateChanged(PipelineState.Thinking);
        c.OnStateChanged(PipelineState.Idle);
        var frames = _strip.Frames.Count;
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(frames, _strip.Frames.Count);
    }

    [Fact]
    public void Failing_spi_is_reported_and_the_next_frame_retries()
    {
        var spi = new FakeSpiDevice();
        using var strip = new Apa102Strip(spi, 3);
        using var c = new LedController(strip, LedPatternSet.Defaults, _time, TimeSpan.FromMilliseconds(50));
        var faults = new List<Exception>();
        c.Faulted += faults.Add;
        spi.FailWrites = true;
        c.OnStateChanged(PipelineState.Muted);
        c.OnStateChanged(PipelineState.Thinking);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(faults); // once per outage, not per frame
        spi.FailWrites = false;
        c.OnStateChanged(PipelineState.Muted);
        Assert.Equal([0xE0 | 31, 0, 0, 255], spi.Writes[^1].AsSpan(4, 4).ToArray());
    }

    [Fact]
    public void Dispose_switches_the_leds_off()
    {
        var c = Create();
        c.OnStateChanged(PipelineState.Muted);
        c.Dispose();
        Assert.All(_strip.Last, l => Assert.Equal(Rgb.Off, l));
        c.OnStateChanged(PipelineState.Listening);
        Assert.All(_strip.Last, l => Assert.Equal(Rgb.Off, l));
    }
}
