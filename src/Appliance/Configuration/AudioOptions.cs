using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Configuration;

// Sections for areas without their own options record yet (audio devices, model paths, workflow, the
// service), in a first shape with reasonable fields for the lead to reconcile. Each has a section name and
// a Read(ConfigSectionReader) that validates while reading. The pipeline (endpointing, barge-in) and MQTT
// sections belong to VoiceAppliance.Pipeline.PipelineOptions and VoiceAppliance.Mqtt.MqttOptions; they are
// registered here as sections owned elsewhere (see ApplianceConfiguration.AddOwnedElsewhere).

/// <summary>Section <c>Audio</c>: ALSA devices by name and how the microphone (array) is read.</summary>
/// <param name="CaptureDevice">ALSA capture PCM (prefer <c>plughw:CARD=name</c> over card numbers).</param>
/// <param name="PlaybackDevice">ALSA playback PCM.</param>
/// <param name="MicProfile">The mic (array) profile (<see cref="MicArrayProfile.Id"/>): channels, format, rate and channel selection defaults.</param>
/// <param name="CaptureRate">Capture device rate (resampled to 16 kHz for speech); the profile's when absent.</param>
/// <param name="CaptureChannels">Channels opened on the capture device; the profile's when absent.</param>
/// <param name="CaptureFormat">Capture sample format; the profile's when absent.</param>
/// <param name="Channel">Which channels make the speech signal: <c>0</c>, <c>mix</c> or a list <c>0,2</c>; the profile's when absent.</param>
/// <param name="PeriodMs">ALSA period of the capture device; 32 ms by default, one 512-sample speech window at 16 kHz, so
/// each wake-up of the capture thread completes one window (fewer wake-ups than 20 ms periods, and no window waits
/// for a period that is mostly the next one).</param>
/// <param name="CaptureBufferMs">ALSA buffer of the capture device (a whole number of periods, at least two): how long
/// the capture thread may be kept from running before the device overruns.</param>
/// <param name="RealTimePriority">SCHED_FIFO priority of the capture and playback threads (0: normal scheduling).</param>
/// <param name="PlaybackRate">Playback device rate.</param>
/// <param name="PlaybackChannels">Playback device channels (1 or 2).</param>
/// <param name="Volume">Initial playback volume 0-100.</param>
/// <param name="MixerCard">Card for hardware volume (e.g. <c>hw:0</c>); null: software volume only.</param>
public sealed record AudioOptions(
    string CaptureDevice,
    string PlaybackDevice,
    MicArrayProfile MicProfile,
    int CaptureRate,
    int CaptureChannels,
    AlsaSampleFormat CaptureFormat,
    ChannelSelection Channel,
    int PeriodMs,
    int CaptureBufferMs,
    int RealTimePriority,
    int PlaybackRate,
    int PlaybackChannels,
    int Volume,
    string? MixerCard)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Audio";

    /// <summary>The capture settings (<paramref name="configurationFile"/>: a private asoundrc, for file PCMs in tests and demos).</summary>
    public AlsaCaptureOptions ToCaptureOptions(string? configurationFile = null) => new()
    {
        Device = CaptureDevice,
        ConfigurationFile = configurationFile,
        Profile = MicProfile,
        Selection = Channel,
        Format = CaptureFormat,
        SampleRate = CaptureRate,
        Channels = CaptureChannels,
        PeriodFrames = Math.Max(64, CaptureRate * PeriodMs / 1000),
        Periods = CaptureBufferMs / PeriodMs,
        RealTimePriority = RealTimePriority,
    };

    /// <summary>The playback settings.</summary>
    public AlsaPlaybackOptions ToPlaybackOptions(string? configurationFile = null) => new()
    {
        Device = PlaybackDevice,
        ConfigurationFile = configurationFile,
        SampleRate = PlaybackRate,
        Channels = PlaybackChannels,
        Volume = Volume,
        MixerCard = MixerCard,
        RealTimePriority = RealTimePriority,
    };

    /// <summary>Reads and validates the section.</summary>
    public static AudioOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var profileId = r.GetString("MicProfile", MicArrayProfile.Generic.Id);
        var profile = MicArrayProfile.All.FirstOrDefault(p => p.Id.Equals(profileId.Trim(), StringComparison.OrdinalIgnoreCase));
        if (profile is null)
        {
            r.Error("MicProfile", $"'{profileId}' is not a known mic profile; use one of {string.Join(", ", MicArrayProfile.All.Select(p => p.Id))}.");
            profile = MicArrayProfile.Generic;
        }

        var channels = r.GetInt("CaptureChannels", profile.Channels, 1, 16);
        var selection = profile.DefaultSelection;
        var channelText = r.GetOptionalString("Channel");
        if (channelText is not null)
        {
            try
            {
                selection = channelText.Trim() == "-1" ? ChannelSelection.Downmix : ChannelSelection.Parse(channelText);
            }
            catch (FormatException ex)
            {
                r.Error("Channel", ex.Message);
            }
        }

        if (selection.Kind != ChannelSelectionKind.Downmix && selection.Channels.FirstOrDefault(c => c >= channels, -1) is var missing and >= 0)
        {
            r.Error("Channel", $"channel {missing} does not exist with CaptureChannels = {channels}; use 0..{channels - 1}, a list such as '0,1', or 'mix'.");
            selection = ChannelSelection.Downmix;
        }

        var periodMs = r.GetInt("PeriodMs", 32, 5, 200);
        var bufferMs = r.GetInt("CaptureBufferMs", 4 * periodMs, 10, 2000);
        if (bufferMs < 2 * periodMs)
        {
            r.Error("CaptureBufferMs", $"{bufferMs} ms is less than two periods (2 x PeriodMs = {2 * periodMs} ms); ALSA needs at least two periods in the buffer. Raise CaptureBufferMs or lower PeriodMs.");
            bufferMs = 2 * periodMs;
        }
        else if (bufferMs / periodMs > 64)
        {
            r.Error("CaptureBufferMs", $"{bufferMs} ms is more than 64 periods of {periodMs} ms; ALSA allows at most 64. Lower CaptureBufferMs or raise PeriodMs.");
            bufferMs = 64 * periodMs;
        }
        else if (bufferMs % periodMs != 0)
        {
            r.Error("CaptureBufferMs", $"{bufferMs} ms is not a whole number of {periodMs} ms periods; use {bufferMs / periodMs * periodMs} or {((bufferMs / periodMs) + 1) * periodMs}.");
            bufferMs = bufferMs / periodMs * periodMs;
        }

        return new AudioOptions(
            r.GetString("CaptureDevice", "default"),
            r.GetString("PlaybackDevice", "default"),
            profile,
            r.GetInt("CaptureRate", profile.SampleRate, 8000, 192000),
            channels,
            r.GetEnum("CaptureFormat", profile.Format),
            selection,
            periodMs,
            bufferMs,
            r.GetInt("RealTimePriority", 20, 0, 99),
            r.GetInt("PlaybackRate", 48000, 8000, 192000),
            r.GetInt("PlaybackChannels", 1, 1, 2),
            r.GetInt("Volume", 100, 0, 100),
            r.GetOptionalString("MixerCard"));
    }
}
