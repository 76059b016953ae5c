using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Device;

/// <summary>An SPI device at the hardware seam: keeps a copy of every transfer.</summary>
public sealed class FakeSpiDevice : ISpiDevice
{
    public List<byte[]> Writes { get; } = [];

    public bool FailWrites { get; set; }

    public bool Disposed { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (FailWrites)
        {
            throw new IOException("spidev0.1 gone");
        }

        Writes.Add(data.ToArray());
    }

    public void Dispose() => Disposed = true;
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
            0, 0, 0, 0, 0,
        ];
        Assert.Equal(expected, spi.Writes.Single());
    }

    [Theory]
    [InlineData(1, 13)]
    [InlineData(3, 21)]
    [InlineData(12, 57)]
    [InlineData(16, 73)]
    [InlineData(17, 78)]
    public void End_frame_has_four_bytes_plus_one_per_sixteen_leds(int count, int length)
        => Assert.Equal(length, Apa102Strip.FrameLength(count));

    [Fact]
    public void Power_line_is_on_while_the_strip_lives_and_leds_go_dark_on_dispose()
    {
        var spi = new FakeSpiDevice();
        var gpio = new FakeGpioDriver();
        var power = gpio.OpenOutput(new GpioLineAddress("auto", "5"), activeLow: false, initialActive: false);
        var strip = new Apa102Strip(spi, 12, power: power);
        Assert.True(gpio.Outputs["auto:5"].Value);
        strip.Dispose();
        Assert.False(gpio.Outputs["auto:5"].Value);
        Assert.True(gpio.Outputs["auto:5"].Disposed);
        var last = spi.Writes[^1];
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal([0xE0, 0, 0, 0], last.AsSpan(4 + (4 * i), 4).ToArray());
        }
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
}

public sealed class GpioLedStripTests
{
    [Fact]
    public void Leds_follow_the_colour_threshold_and_only_changes_are_written()
    {
        var gpio = new FakeGpioDriver();
        var lines = new[] { "17", "27" }.Select(l => gpio.OpenOutput(new GpioLineAddress("auto", l), false, false)).ToList();
        using var strip = new GpioLedStrip(lines, threshold: 96);
        strip.Show([new Rgb(255, 0, 0), new Rgb(10, 10, 10)]);
        strip.Show([new Rgb(255, 0, 0), new Rgb(0, 200, 0)]);
        Assert.Equal([false, false, true], gpio.Outputs["auto:17"].Writes);
        Assert.Equal([false, false, true], gpio.Outputs["auto:27"].Writes);
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
