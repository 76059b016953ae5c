using System.Globalization;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// A microphone (array) as ALSA presents it: channel count, the format and rate it is best opened with,
/// and the default mono selection.
/// </summary>
/// <param name="Id">Configuration name, for example <c>respeaker-usb-v2</c>.</param>
/// <param name="Description">Human name.</param>
/// <param name="Channels">Channels to open.</param>
/// <param name="Format">Sample format to open.</param>
/// <param name="SampleRate">Rate to open.</param>
/// <param name="DefaultSelection">How the channels become mono unless configured otherwise.</param>
/// <param name="Notes">What to know about the channels.</param>
public sealed record MicArrayProfile(string Id, string Description, int Channels, AlsaSampleFormat Format, int SampleRate, ChannelSelection DefaultSelection, string Notes)
{
    /// <summary>ReSpeaker 2-Mic Pi HAT (WM8960): 2 channels, one per mic.</summary>
    public static MicArrayProfile ReSpeaker2Mic { get; } = new(
        "respeaker-2mic", "ReSpeaker 2-Mic Pi HAT", 2, AlsaSampleFormat.S16LE, 48000, ChannelSelection.Downmix,
        "Two MEMS mics, one per channel; a downmix averages them.");

    /// <summary>ReSpeaker 4-Mic Array for Pi (AC108): 4 channels, one per mic.</summary>
    public static MicArrayProfile ReSpeaker4Mic { get; } = new(
        "respeaker-4mic", "ReSpeaker 4-Mic Array for Raspberry Pi", 4, AlsaSampleFormat.S16LE, 16000, ChannelSelection.Downmix,
        "Four mics on an AC108 codec, one per channel.");

    /// <summary>ReSpeaker 6-Mic Circular Array kit: 8 channels, mics on 0-5, playback loopback on 6-7.</summary>
    public static MicArrayProfile ReSpeaker6Mic { get; } = new(
        "respeaker-6mic", "ReSpeaker 6-Mic Circular Array", 8, AlsaSampleFormat.S16LE, 16000, ChannelSelection.Of(0, 1, 2, 3, 4, 5),
        "Channels 0-5 are the mics; 6-7 are the playback loopback (for echo cancellation), so they are left out of the mix.");

    /// <summary>ReSpeaker USB Mic Array v2.0 with the 6-channel firmware: channel 0 is the on-board processed (AEC, beamformed) signal.</summary>
    public static MicArrayProfile ReSpeakerUsbV2 { get; } = new(
        "respeaker-usb-v2", "ReSpeaker USB Mic Array v2.0 (6-channel firmware)", 6, AlsaSampleFormat.S16LE, 16000, ChannelSelection.Channel(0),
        "Channel 0 is the XMOS processed output (echo-cancelled, beamformed); 1-4 are the raw mics; 5 is the playback reference.");

    /// <summary>A generic mono USB or analogue mic.</summary>
    public static MicArrayProfile Generic { get; } = new(
        "generic", "Generic mono microphone", 1, AlsaSampleFormat.S16LE, 48000, ChannelSelection.Channel(0),
        "Opened through plughw:, which converts whatever the hardware has.");

    /// <summary>Every known profile.</summary>
    public static IReadOnlyList<MicArrayProfile> All { get; } = [ReSpeaker2Mic, ReSpeaker4Mic, ReSpeaker6Mic, ReSpeakerUsbV2, Generic];

    /// <summary>Finds a profile by <see cref="Id"/>; the exception lists the known ids.</summary>
    public static MicArrayProfile Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return All.FirstOrDefault(p => p.Id.Equals(id.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"unknown mic profile '{id}'; known profiles: {string.Join(", ", All.Select(p => p.Id))}.", nameof(id));
    }
}
