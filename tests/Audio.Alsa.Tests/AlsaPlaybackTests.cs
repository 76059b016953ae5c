namespace VoiceAppliance.Audio.Alsa.Tests;

/// <summary>Playback through real libasound into a <c>type file</c> PCM that writes a WAV (no sound card).</summary>
[Collection("audio kernels")]
public sealed class AlsaPlaybackTests
{
    private static AlsaPlaybackOptions Options(AlsaScratch scratch, bool paced = false, int rate = 48000, int channels = 1) => new()
    {
        Device = "speaker",
        ConfigurationFile = scratch.ConfigurationPath,
        SampleRate = rate,
        Channels = channels,
        PaceInRealTime = paced,
        PeriodFrames = rate / 100,
    };

    [Theory]
    [InlineData(22050, 48000, 1)]
    [InlineData(16000, 48000, 2)]
    [InlineData(22050, 22050, 1)]
    [InlineData(16000, 44100, 1)]
    public async Task A_tone_plays_at_the_device_rate_with_its_frequency_and_length(int sourceRate, int deviceRate, int channels)
    {
        using var scratch = new AlsaScratch();
        var wav = scratch.File("out.wav");
        scratch.Devices.AddPlayback("speaker", wav);
        var tone = Signals.Tone(1000, sourceRate, sourceRate / 2, 0.5f); // 0.5 s
        await using (var playback = new AlsaPlayback(Options(scratch, rate: deviceRate, channels: channels)))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            for (var i = 0; i < tone.Length; i += 1000)
            {
                await playback.WriteAsync(tone.AsMemory(i, Math.Min(1000, tone.Length - i)), sourceRate, cts.Token);
            }

            await playback.DrainAsync(cts.Token);
            Assert.Equal(0.5, playback.PlayedPosition.TotalSeconds, 0.01);
        }

        var audio = WavFile.Read(wav);
        Assert.Equal(deviceRate, audio.SampleRate);
        Assert.Equal(channels, audio.Channels);
        Assert.Equal(0.5, audio.Duration.TotalSeconds, 0.01);
        var mono = Enumerable.Range(0, audio.Frames).Select(i => audio.Samples[i * channels]).ToArray();
        var steady = mono.AsSpan(deviceRate / 20, deviceRate / 3);
        Assert.Equal(1000, Signals.Frequency(steady, deviceRate), 0.5);
        Assert.Equal(0.5, Signals.Amplitude(steady, 1000, deviceRate), 0.005);
    }

    [Fact]
    public async Task Software_volume_follows_a_squared_law()
    {
        using var scratch = new AlsaScratch();
        var wav = scratch.File("out.wav");
        scratch.Devices.AddPlayback("speaker", wav);
        await using (var playback = new AlsaPlayback(Options(scratch) with { Volume = 50 }))
        {
            Assert.False(playback.HasHardwareVolume);
            Assert.Equal(50, playback.Volume);
            await playback.WriteAsync(Signals.Tone(500, 48000, 24000, 0.8f), 48000, CancellationToken.None);
            await playback.DrainAsync(CancellationToken.None);
        }

        var audio = WavFile.Read(wav);
        Assert.Equal(0.2, Signals.Amplitude(audio.Samples.AsSpan(2400, 19200), 500, 48000), 0.003);
    }

    [Fact]
    public async Task StopImmediately_cuts_the_audio_mid_buffer()
    {
        using var scratch = new AlsaScratch();
        var wav = scratch.File("out.wav");
        scratch.Devices.AddPlayback("speaker", wav);
        double stopAt;
        await using (var playback = new AlsaPlayback(Options(scratch, paced: true)))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var tone = Signals.Tone(1000, 48000, 48000 * 19 / 10, 0.5f); // 1.9 s queued (the queue holds 2 s)
            await playback.WriteAsync(tone, 48000, cts.Token);
            while (playback.PlayedPosition < TimeSpan.FromMilliseconds(300))
            {
                await Task.Delay(5, cts.Token);
            }

            stopAt = playback.PlayedPosition.TotalSeconds;
            playback.StopImmediately();
            await playback.DrainAsync(cts.Token);
            Assert.Equal(TimeSpan.Zero, playback.PlayedPosition);

            // The device is usable again right after a stop.
            await playback.WriteAsync(Signals.Tone(2000, 48000, 4800, 0.5f), 48000, cts.Token);
            await playback.DrainAsync(cts.Token);
            Assert.Equal(0.1, playback.PlayedPosition.TotalSeconds, 0.011);
        }

        var audio = WavFile.Read(wav);
        Assert.InRange(audio.Duration.TotalSeconds, stopAt + 0.1, Math.Min(1.9, stopAt + 0.1 + 0.4)); // cut well before the 1.9 s + 0.1 s queued
        var end = audio.Samples.AsSpan(audio.Samples.Length - 4000, 4000);
        Assert.Equal(2000, Signals.Frequency(end, 48000), 1); // the audio after the stop is the new tone
    }

    [Fact]
    public async Task FadeOut_ramps_down_then_stops()
    {
        using var scratch = new AlsaScratch();
        var wav = scratch.File("out.wav");
        scratch.Devices.AddPlayback("speaker", wav);
        double fadeAt;
        await using (var playback = new AlsaPlayback(Options(scratch, paced: true)))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await playback.WriteAsync(Signals.Tone(1000, 48000, 48000 * 19 / 10, 0.5f), 48000, cts.Token); // 1.9 s, fits the queue
            while (playback.PlayedPosition < TimeSpan.FromMilliseconds(200))
            {
                await Task.Delay(5, cts.Token);
            }

            fadeAt = playback.PlayedPosition.TotalSeconds;
            await playback.FadeOutAsync(TimeSpan.FromMilliseconds(100), cts.Token);
        }

        var audio = WavFile.Read(wav);
        Assert.InRange(audio.Duration.TotalSeconds, fadeAt + 0.09, Math.Min(1.8, fadeAt + 0.5)); // the tone was 1.9 s
        var s = audio.Samples;
        var earlyPeak = s.AsSpan(480, 2400).ToArray().Max(Math.Abs);
        var lastPeak = s.AsSpan(s.Length - 96, 96).ToArray().Max(Math.Abs);
        var fadePeak = s.AsSpan(s.Length - 2400, 480).ToArray().Max(Math.Abs); // 50 ms before the end: half-way down
        Assert.True(earlyPeak > 0.45f, $"early peak {earlyPeak}");
        Assert.True(lastPeak < 0.02f, $"last 2 ms peak {lastPeak}: not faded");
        Assert.InRange(fadePeak, 0.15f, 0.4f);
    }

    [Fact]
    public async Task A_missing_speaker_does_not_block_or_throw_from_WriteAsync()
    {
        using var scratch = new AlsaScratch();
        scratch.Devices.AddSilentCapture("unrelated"); // the configuration exists but lacks the speaker
        await using var playback = new AlsaPlayback(Options(scratch) with { Device = "absent", ReopenInitialDelay = TimeSpan.FromSeconds(30), ReopenMaxDelay = TimeSpan.FromSeconds(30) });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!playback.DeviceMissing)
        {
            await Task.Delay(5, cts.Token);
        }

        // 3 s of audio into a 2 s queue, while the next reopen is 30 s away: must neither block nor throw.
        await playback.WriteAsync(Signals.Tone(1000, 22050, 22050 * 3, 0.5f), 22050, cts.Token);
        await playback.DrainAsync(cts.Token);
        await playback.FadeOutAsync(TimeSpan.FromMilliseconds(50), cts.Token);
        Assert.True(playback.DeviceMissing);
        Assert.Equal(0, playback.FramesWritten);
    }

    [Fact]
    public async Task A_short_prompt_below_the_start_threshold_still_plays()
    {
        using var scratch = new AlsaScratch();
        scratch.Devices.AddPlayback("speaker", scratch.File("out.wav"));
        await using var playback = new AlsaPlayback(Options(scratch));
        await playback.WriteAsync(Signals.Tone(1000, 48000, 300, 0.5f), 48000, CancellationToken.None); // < one 480-frame period
        await playback.DrainAsync(CancellationToken.None);
        Assert.False(playback.DeviceMissing);
        Assert.Equal(300, playback.FramesWritten);
        Assert.Equal(0, playback.Underruns);
    }
}
