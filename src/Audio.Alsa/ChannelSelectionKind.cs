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
