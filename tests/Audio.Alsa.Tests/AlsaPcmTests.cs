namespace VoiceAppliance.Audio.Alsa.Tests;

public sealed class AlsaPcmTests
{
    [Fact]
    public void Opening_an_unknown_pcm_names_it_with_alsas_text()
    {
        using var config = AlsaConfiguration.Parse("pcm.other { type null }", "test-config");
        var ex = Assert.Throws<AlsaException>(() => AlsaPcm.Open("nosuch", AlsaStreamDirection.Capture, new AlsaPcmSettings(), config));
        Assert.Equal(-2, ex.ErrorCode);
        Assert.Equal("nosuch", ex.Device);
        Assert.Contains("'nosuch'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", ex.Message, StringComparison.Ordinal);
        Assert.Contains("arecord -L", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_asoundrc_is_reported_with_its_source()
    {
        var ex = Assert.Throws<AlsaException>(() => AlsaConfiguration.Parse("pcm.x { type file ", "/etc/my-asoundrc"));
        Assert.Contains("/etc/my-asoundrc", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_reports_what_the_device_accepted_and_reads_file_data()
    {
        using var scratch = new AlsaScratch();
        scratch.AddMic("mic", [0.5f, -0.5f, 0.25f, -0.25f], AlsaSampleFormat.S16LE, 2);
        using var config = scratch.Devices.Load();
        using var pcm = AlsaPcm.Open("mic", AlsaStreamDirection.Capture, new AlsaPcmSettings { Channels = 2, SampleRate = 44100, PeriodFrames = 441 }, config);
        Assert.Equal(44100, pcm.Accepted.SampleRate);
        Assert.Equal(2, pcm.Accepted.Channels);
        Assert.Equal(4, pcm.Accepted.FrameBytes);
        Assert.True(pcm.Accepted.BufferFrames >= pcm.Accepted.PeriodFrames * 2);
        var buffer = new byte[8];
        Assert.Equal(2, pcm.Read(buffer, 2));
        Assert.Equal(new byte[] { 0x00, 0x40, 0x00, 0xC0, 0x00, 0x20, 0x00, 0xE0 }, buffer);
        Assert.Throws<ArgumentException>(() => pcm.Read(buffer, 3));
    }

    [Fact]
    public void Nonsense_settings_are_refused_before_touching_the_device()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => AlsaPcm.Open("default", AlsaStreamDirection.Playback, new AlsaPcmSettings { SampleRate = 1 }));
        Assert.Contains("sample rate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Device_listing_shows_names_and_directions()
    {
        var devices = AlsaDevices.List();
        var nul = Assert.Single(devices, d => d.Name == "null");
        Assert.True(nul.CanCapture && nul.CanPlay);
        Assert.Contains("Discard", nul.Description, StringComparison.Ordinal);
        Assert.Contains(AlsaDevices.Capture(), d => d.Name == "null");
    }

    [Fact]
    public void No_mixer_on_a_machine_without_cards_means_software_volume()
    {
        Assert.Null(AlsaMixer.TryOpen("hw:7", ["Master", "PCM"]));
    }

    [Fact]
    public void Profiles_and_selections_parse_with_clear_errors()
    {
        Assert.Same(MicArrayProfile.ReSpeakerUsbV2, MicArrayProfile.Find("ReSpeaker-USB-v2"));
        Assert.Contains("respeaker-2mic", Assert.Throws<ArgumentException>(() => MicArrayProfile.Find("nope")).Message, StringComparison.Ordinal);
        Assert.Equal("0,1,2,3,4,5", MicArrayProfile.ReSpeaker6Mic.DefaultSelection.ToString());
        Assert.Equal(ChannelSelection.Downmix, ChannelSelection.Parse("Mix"));
        Assert.Contains("'0,x'", Assert.Throws<FormatException>(() => ChannelSelection.Parse("0,x")).Message, StringComparison.Ordinal);
    }
}

public sealed class AlsaFileDevicesTests
{
    [Fact]
    public async Task Arecord_reads_the_same_file_pcm_through_ALSA_CONFIG_PATH()
    {
        using var scratch = new AlsaScratch();
        scratch.AddMic("mic", Signals.Tone(1000, 16000, 1600, 0.5f), AlsaSampleFormat.S16LE, 1);
        var wav = scratch.File("rec.wav");
        var start = new System.Diagnostics.ProcessStartInfo("arecord", ["-q", "-D", "mic", "-f", "S16_LE", "-r", "16000", "-c", "1", "-s", "1600", wav])
        {
            RedirectStandardError = true,
        };
        start.Environment["ALSA_CONFIG_PATH"] = scratch.Devices.AlsaConfigPathValue;
        using var arecord = System.Diagnostics.Process.Start(start)!;
        var stderr = await arecord.StandardError.ReadToEndAsync();
        await arecord.WaitForExitAsync();
        Assert.True(arecord.ExitCode == 0, stderr);
        var audio = WavFile.Read(wav);
        Assert.Equal(1600, audio.Frames);
        Assert.Equal(1000, Signals.Frequency(audio.Samples.AsSpan(0, 1600), 16000), 2);
    }

    [Fact]
    public void Bad_pcm_names_are_refused()
    {
        using var scratch = new AlsaScratch();
        var ex = Assert.Throws<ArgumentException>(() => scratch.Devices.AddCapture("my mic", "/dev/zero"));
        Assert.Contains("'my mic'", ex.Message, StringComparison.Ordinal);
    }
}
