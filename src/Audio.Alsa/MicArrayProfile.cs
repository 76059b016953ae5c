using System.Globalization;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>How a multichannel capture becomes mono.</summary>
public enum ChannelSelectionKind
{
    /// <summary>One channel.</summary>
    OneChannel,

    /// <summary>The mean of all channels.</summary>
    Downmix,

    /// <summary>The mean of a list of channels.</summary>
    List,
}

/// <summary>Which capture channels make the mono signal: one channel, a downmix of all, or a list.</summary>
public sealed record ChannelSelection
{
    private ChannelSelection(ChannelSelectionKind kind, int[] channels)
    {
        Kind = kind;
        Channels = channels;
    }

    /// <summary>The kind of selection.</summary>
    public ChannelSelectionKind Kind { get; }

    /// <summary>The channels used (empty for <see cref="ChannelSelectionKind.Downmix"/>).</summary>
    public IReadOnlyList<int> Channels { get; }

    /// <summary>The mean of every channel.</summary>
    public static ChannelSelection Downmix { get; } = new(ChannelSelectionKind.Downmix, []);

    /// <summary>Only channel <paramref name="channel"/> (zero-based).</summary>
    public static ChannelSelection Channel(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        return new(ChannelSelectionKind.OneChannel, [channel]);
    }

    /// <summary>The mean of the listed channels (zero-based).</summary>
    public static ChannelSelection Of(params int[] channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Length == 0 || channels.Any(c => c < 0))
        {
            throw new ArgumentException("a channel list needs at least one channel, each 0 or more", nameof(channels));
        }

        return channels.Length == 1 ? Channel(channels[0]) : new(ChannelSelectionKind.List, channels.Distinct().Order().ToArray());
    }

    /// <summary>
    /// Parses a configuration value: <c>mix</c> (or <c>downmix</c>), a channel number such as <c>0</c>,
    /// or a comma-separated list such as <c>0,1,2,3</c>.
    /// </summary>
    /// <exception cref="FormatException">The value is none of those; the message quotes it and lists the forms.</exception>
    public static ChannelSelection Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var v = value.Trim();
        if (v.Equals("mix", StringComparison.OrdinalIgnoreCase) || v.Equals("downmix", StringComparison.OrdinalIgnoreCase))
        {
            return Downmix;
        }

        var parts = v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var channels = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out channels[i]))
            {
                throw new FormatException($"channel selection '{value}' is not valid: use 'mix', one channel number such as '0', or a list such as '0,1,2,3' (channels count from 0).");
            }
        }

        if (channels.Length == 0)
        {
            throw new FormatException($"channel selection '{value}' is empty: use 'mix', '0' or a list such as '0,1'.");
        }

        return Of(channels);
    }

    /// <summary>Per-channel weights for a capture of <paramref name="channelCount"/> channels.</summary>
    /// <exception cref="ArgumentException">A selected channel does not exist; the message names it and the count.</exception>
    public float[] Weights(int channelCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        var weights = new float[channelCount];
        if (Kind == ChannelSelectionKind.Downmix)
        {
            Array.Fill(weights, 1f / channelCount);
            return weights;
        }

        foreach (var c in Channels)
        {
            if (c >= channelCount)
            {
                throw new ArgumentException($"channel {c} is selected but the capture has only {channelCount} channels (0-{channelCount - 1}); fix the channel selection or the channel count.");
            }

            weights[c] = 1f / Channels.Count;
        }

        return weights;
    }

    /// <inheritdoc />
    public override string ToString() => Kind == ChannelSelectionKind.Downmix ? "mix" : string.Join(',', Channels);
}

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
