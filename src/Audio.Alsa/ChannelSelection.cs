using System.Globalization;

namespace VoiceAppliance.Audio.Alsa;

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
