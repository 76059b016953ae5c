using System.Collections.Concurrent;

namespace VoiceAppliance.Audio.Alsa.Tests;

/// <summary>Capture through real libasound, from <c>type file</c> PCMs (no sound card).</summary>
[Collection("audio kernels")] // SimdWidthTests changes the kernels' width; keep them apart from the streams
public sealed class AlsaCaptureTests
{
    [Theory]
    [InlineData(AlsaSampleFormat.S16LE, 1, 48000)]
    [InlineData(AlsaSampleFormat.S24Packed3LE, 2, 48000)]
    [InlineData(AlsaSampleFormat.S32LE, 4, 48000)]
    [InlineData(AlsaSampleFormat.S16LE, 2, 44100)]
    [InlineData(AlsaSampleFormat.S32LE, 8, 22050)]
    [InlineData(AlsaSampleFormat.S24Packed3LE, 1, 16000)]
    public async Task Formats_and_channel_counts_arrive_as_16_kHz_mono(AlsaSampleFormat format, int channels, int rate)
    {
        using var scratch = new AlsaScratch();
        var seconds = 0.5;
        var frames = (int)(rate * seconds);
        var tone = Signals.Tone(1000, rate, frames, 0.4f);
        var other = Signals.Tone(3000, rate, frames, 0.4f);
        var perChannel = Enumerable.Range(0, channels).Select(c => c == channels - 1 ? tone : other).ToArray();
        var total = scratch.AddMic("mic", Signals.Interleave(perChannel), format, channels);
        Assert.Equal(frames, total);

        await using var capture = new AlsaCapture(new AlsaCaptureOptions
        {
            Device = "mic",
            ConfigurationFile = scratch.ConfigurationPath,
            Format = format,
            Channels = channels,
            SampleRate = rate,
            Selection = ChannelSelection.Channel(channels - 1),
            MaxFrames = total,
            RingSeconds = 4,
        });
        capture.Start();
        var audio = await capture.ReadAllAsync();

        Assert.Equal(format, capture.Accepted?.Format ?? format);
        Assert.Equal(0, capture.DroppedSamples);
        Assert.Equal(total, capture.FramesCaptured);
        Assert.InRange(audio.Length, (int)(16000 * seconds) - 512, (int)(16000 * seconds) + 512);
        var steady = audio.AsSpan(1000, 5000);
        Assert.Equal(1000, Signals.Frequency(steady, 16000), 1.0);
        Assert.Equal(0.4, Signals.Amplitude(steady, 1000, 16000), 0.01);
        if (channels > 1)
        {
            Assert.True(Signals.Amplitude(steady, 3000, 16000) < 0.001, "the other channels leaked into the selection");
        }
    }

    [Fact]
    public async Task Usb_mic_array_profile_takes_the_processed_channel_zero()
    {
        using var scratch = new AlsaScratch();
        var profile = MicArrayProfile.ReSpeakerUsbV2;
        var frames = 8000;
        var channels = Enumerable.Range(0, 6).Select(c => Signals.Tone(c == 0 ? 440 : 2000 + (c * 300), 16000, frames, 0.3f)).ToArray();
        var total = scratch.AddMic("array", Signals.Interleave(channels), profile.Format, profile.Channels);

        await using var capture = new AlsaCapture(new AlsaCaptureOptions
        {
            Device = "array",
            ConfigurationFile = scratch.ConfigurationPath,
            Profile = profile,
            MaxFrames = total,
            RemoveDc = false,
        });
        capture.Start();
        var audio = await capture.ReadAllAsync();

        Assert.Equal(ChannelSelectionKind.OneChannel, capture.Selection.Kind);
        Assert.Equal(0.3, Signals.Amplitude(audio.AsSpan(0, 7680), 440, 16000), 0.005);
        Assert.True(Signals.Amplitude(audio.AsSpan(0, 7680), 2300, 16000) < 0.001);
    }

    [Theory]
    [InlineData("mix", 0.35)]
    [InlineData("1,2", 0.3)]
    [InlineData("3", 0.8)]
    [InlineData("0", 0.0)]
    public async Task Four_channel_selection_mixes_the_chosen_channels(string selection, double expected)
    {
        using var scratch = new AlsaScratch();
        var amplitudes = new[] { 0f, 0.2f, 0.4f, 0.8f }; // the same 500 Hz tone at a different level per channel
        var perChannel = amplitudes.Select(a => Signals.Tone(500, 16000, 16000, a)).ToArray();
        var total = scratch.AddMic("hat", Signals.Interleave(perChannel), AlsaSampleFormat.S16LE, 4);

        await using var capture = new AlsaCapture(new AlsaCaptureOptions
        {
            Device = "hat",
            ConfigurationFile = scratch.ConfigurationPath,
            Profile = MicArrayProfile.ReSpeaker4Mic,
            Selection = ChannelSelection.Parse(selection),
            MaxFrames = total,
        });
        capture.Start();
        var audio = await capture.ReadAllAsync();
        Assert.Equal(expected, Signals.Amplitude(audio.AsSpan(1000, 12000), 500, 16000), 0.005);
    }

    [Fact]
    public async Task A_reader_that_falls_behind_loses_the_oldest_audio_and_it_is_counted()
    {
        using var scratch = new AlsaScratch();
        var frames = 16000;
        var ramp = Enumerable.Range(0, frames).Select(i => (i % 20000) / 32768f).ToArray();
        var total = scratch.AddMic("mic", ramp, AlsaSampleFormat.S16LE, 1);

        await using var capture = new AlsaCapture(new AlsaCaptureOptions
        {
            Device = "mic",
            ConfigurationFile = scratch.ConfigurationPath,
            SampleRate = 16000,
            RingSeconds = 0.1, // 1600 samples -> 2048
            MaxFrames = total,
            RemoveDc = false,
        });
        capture.Start();
        while (!capture.HasEnded)
        {
            await Task.Delay(5); // do not read: the unpaced file PCM overruns the ring
        }

        var audio = await capture.ReadAllAsync();
        Assert.Equal(2048, audio.Length);
        Assert.Equal(frames - 2048, capture.DroppedSamples);
        Assert.Equal((frames - 2048) / 32768f, audio[0], 1e-6f); // what is left is the newest audio
        Assert.Equal((frames - 1) / 32768f, audio[^1], 1e-6f);
    }

    [Fact]
    public async Task An_xrun_is_recovered_in_place_without_losing_the_stream()
    {
        using var scratch = new AlsaScratch();
        var total = scratch.AddMic("mic", Signals.Tone(1000, 48000, 96000, 0.3f), AlsaSampleFormat.S16LE, 1); // 2 s, paced
        var events = new ConcurrentQueue<AudioDeviceEventArgs>();
        await using var capture = new AlsaCapture(new AlsaCaptureOptions
        {
            Device = "mic",
            ConfigurationFile = scratch.ConfigurationPath,
            SampleRate = 48000,
            MaxFrames = total,
            PaceInRealTime = true,
            PeriodFrames = 480,
        });
        capture.DeviceEvent += (_, e) => events.Enqueue(e);
        capture.Start();
        var reader = capture.ReadAllAsync();
        await Task.Delay(100);
        capture.InjectReadError(-32); // -EPIPE: overrun
        while (capture.Xruns < 1 && !capture.HasEnded)
        {
            await Task.Delay(5);
        }

        capture.InjectReadError(-86); // -ESTRPIPE: suspended
        var audio = await reader;

        Assert.Equal(2, capture.Xruns);
        Assert.Equal(total, capture.FramesCaptured);
        Assert.Equal(0, capture.Reopens);
        Assert.Equal([AudioDeviceEventKind.Opened, AudioDeviceEventKind.Recovered, AudioDeviceEventKind.Recovered], events.Select(e => e.Kind));
        Assert.Equal(-32, events.ElementAt(1).Error!.ErrorCode);
        Assert.InRange(audio.Length, 31500, 32600);
    }

    [Fact]
    public async Task A_vanished_device_is_reopened_with_backoff_and_events()
    {
        using var scratch = new AlsaScratch();
        var frames = 16000 * 3;
        scratch.AddMic("mic", Signals.Tone(440, 16000, frames, 0.3f), AlsaSampleFormat.S16LE, 1);
        var events = new ConcurrentQueue<AudioDeviceEventArgs>();
        await using var capture = new AlsaCapture(ReopeningMic(scratch));
        capture.DeviceEvent += (_, e) => events.Enqueue(e);
        capture.Start();
        var window = new float[512];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await capture.ReadAsync(window, cts.Token));

        // Unplug: the PCM disappears from the configuration and the running stream fails with -ENODEV.
        scratch.Devices.Remove("mic");
        capture.InjectReadError(-19);
        while (events.Count(e => e.Kind == AudioDeviceEventKind.ReopenFailed) < 4)
        {
            await Task.Delay(10, cts.Token);
        }

        // Plug back in, now with a different signal.
        scratch.AddMic("mic", Signals.Tone(1500, 16000, frames, 0.3f), AlsaSampleFormat.S16LE, 1);
        while (capture.Reopens == 0)
        {
            await Task.Delay(10, cts.Token);
        }

        capture.TryRead(new float[capture.BufferedSamples]); // discard audio from before the unplug
        var after = new float[4000];
        Assert.True(await capture.ReadAsync(after, cts.Token));

        var kinds = events.Select(e => e.Kind).ToArray();
        Assert.Equal(AudioDeviceEventKind.Opened, kinds[0]);
        Assert.Equal(AudioDeviceEventKind.Lost, kinds[1]);
        Assert.Equal(-19, events.ElementAt(1).Error!.ErrorCode);
        Assert.Contains("'mic'", events.ElementAt(1).Error!.Message, StringComparison.Ordinal);
        Assert.Equal(AudioDeviceEventKind.Reopened, kinds[^1]);
        var failures = events.Where(e => e.Kind == AudioDeviceEventKind.ReopenFailed).ToArray();
        Assert.All(failures, f => Assert.Equal(-2, f.Error!.ErrorCode)); // ENOENT: no such PCM
        Assert.Equal([10, 20, 40, 40], failures.Take(4).Select(f => (int)f.RetryIn.TotalMilliseconds)); // capped doubling
        Assert.Equal(1, capture.Reopens);
        Assert.Equal(0.3, Signals.Amplitude(after.AsSpan(1000), 1500, 16000), 0.02);
    }

    [Fact]
    public async Task A_device_that_opens_but_fails_every_read_is_reopened_with_capped_backoff_not_in_a_tight_loop()
    {
        using var scratch = new AlsaScratch();
        scratch.AddMic("mic", Signals.Tone(440, 16000, 16000 * 3, 0.3f), AlsaSampleFormat.S16LE, 1);
        var events = new ConcurrentQueue<AudioDeviceEventArgs>();
        await using var capture = new AlsaCapture(ReopeningMic(scratch));
        capture.DeviceEvent += (_, e) => events.Enqueue(e);
        capture.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await capture.ReadAsync(new float[512], cts.Token));

        capture.InjectPersistentReadError(-19); // every read fails; every reopen succeeds
        while (events.Count(e => e.Kind == AudioDeviceEventKind.ReopenFailed) < 5)
        {
            await Task.Delay(10, cts.Token);
        }

        capture.InjectPersistentReadError(0);
        while (capture.Reopens == 0)
        {
            await Task.Delay(10, cts.Token);
        }

        var kinds = events.Select(e => e.Kind).ToArray();
        Assert.Equal(AudioDeviceEventKind.Opened, kinds[0]);
        Assert.Equal(1, kinds.Count(k => k == AudioDeviceEventKind.Lost)); // reported once per outage
        Assert.Equal(AudioDeviceEventKind.Reopened, kinds[^1]);
        Assert.Equal(1, kinds.Count(k => k == AudioDeviceEventKind.Reopened)); // back only once audio flows
        var failures = events.Where(e => e.Kind == AudioDeviceEventKind.ReopenFailed).ToArray();
        Assert.Equal([10, 20, 40, 40, 40], failures.Take(5).Select(f => (int)f.RetryIn.TotalMilliseconds)); // capped doubling, no tight loop
        Assert.All(failures, f => Assert.Equal(-19, f.Error!.ErrorCode));
    }

    [Fact]
    public async Task A_missing_device_at_start_is_retried_not_thrown()
    {
        using var scratch = new AlsaScratch();
        var events = new ConcurrentQueue<AudioDeviceEventArgs>();
        await using var capture = new AlsaCapture(new AlsaCaptureOptions
        {
            Device = "nosuchmic",
            ConfigurationFile = scratch.File("missing-asoundrc"),
            ReopenInitialDelay = TimeSpan.FromMilliseconds(5),
            ReopenMaxDelay = TimeSpan.FromMilliseconds(20),
        });
        capture.DeviceEvent += (_, e) => events.Enqueue(e);
        capture.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (events.Count < 3)
        {
            await Task.Delay(5, cts.Token);
        }

        Assert.All(events, e => Assert.Equal(AudioDeviceEventKind.ReopenFailed, e.Kind));
        Assert.Contains("missing-asoundrc", events.First().Error!.Message, StringComparison.Ordinal);
        Assert.False(capture.HasEnded);
    }

    [Fact]
    public async Task Silence_from_dev_zero_is_silent_and_ReadAsync_honours_cancellation()
    {
        using var scratch = new AlsaScratch();
        scratch.Devices.AddSilentCapture("quiet");
        await using var capture = new AlsaCapture(new AlsaCaptureOptions
        {
            Device = "quiet",
            ConfigurationFile = scratch.ConfigurationPath,
            SampleRate = 48000,
            PaceInRealTime = true,
        });
        capture.Start();
        var window = new float[512];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.True(await capture.ReadAsync(window, cts.Token));
        Assert.All(window, v => Assert.Equal(0f, v));
        Assert.Equal(0f, capture.Peak);

        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await capture.ReadAsync(new float[16000 * 3], soon.Token));
    }

    [Fact]
    public void Selecting_a_channel_the_profile_lacks_names_both()
    {
        var ex = Assert.Throws<ArgumentException>(() => new AlsaCapture(new AlsaCaptureOptions { Profile = MicArrayProfile.ReSpeaker2Mic, Selection = ChannelSelection.Channel(5) }));
        Assert.Contains("channel 5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("only 2 channels", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A paced 16 kHz mono file microphone that reopens after 10, 20, 40, 40 ... ms.</summary>
    private static AlsaCaptureOptions ReopeningMic(AlsaScratch scratch) => new()
    {
        Device = "mic",
        ConfigurationFile = scratch.ConfigurationPath,
        SampleRate = 16000,
        PaceInRealTime = true,
        PeriodFrames = 160,
        ReopenInitialDelay = TimeSpan.FromMilliseconds(10),
        ReopenMaxDelay = TimeSpan.FromMilliseconds(40),
    };
}
