using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Tests.Device;

/// <summary>The per-frame paths allocate nothing (counted bytes, not timings).</summary>
public sealed class DeviceAllocationTests
{
    private sealed class NullSpi : System.Device.Spi.SpiDevice
    {
        public long Bytes { get; private set; }

        public override System.Device.Spi.SpiConnectionSettings ConnectionSettings { get; } = new(0, 1);

        public override void Write(ReadOnlySpan<byte> buffer) => Bytes += buffer.Length;

        public override void Read(Span<byte> buffer) => throw new NotSupportedException();

        public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => throw new NotSupportedException();
    }

    [Fact]
    public void Rendering_and_sending_apa102_frames_allocates_nothing()
    {
        var spi = new NullSpi();
        using var strip = new Apa102Strip(spi, 12);
        var frame = new Rgb[12];
        var patterns = Enum.GetValues<PipelineState>().Select(LedPatternSet.DefaultFor).ToArray();
        foreach (var p in patterns)
        {
            p.Render(TimeSpan.Zero, 0.5f, frame);
            strip.Show(frame); // warm up
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++)
        {
            var p = patterns[i % patterns.Length];
            p.Render(TimeSpan.FromMilliseconds(i * 40), (i % 100) / 100f, frame);
            strip.Show(frame);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(spi.Bytes > 0);
    }

    [Fact]
    public void Mic_level_updates_allocate_nothing()
    {
        using var c = new LedController(new RecordingStrip(3), LedPatternSet.Defaults, TimeProvider.System);
        c.OnLevel(0.1f);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            c.OnLevel(i / 10_000f);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bouncing_raw_levels_without_a_committed_change_allocate_nothing()
    {
        var time = new VoiceAppliance.Testing.ManualTimeProvider();
        using var b = new ButtonDetector(ButtonTimings.Default, time);
        b.OnRawLevel(true);
        b.OnRawLevel(false);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            b.OnRawLevel(i % 2 == 0);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
