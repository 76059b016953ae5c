using System.Runtime.InteropServices;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>What the device accepted.</summary>
/// <param name="Format">Sample format.</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="Channels">Channels.</param>
/// <param name="PeriodFrames">Frames per period.</param>
/// <param name="BufferFrames">Frames in the device buffer.</param>
public sealed record AlsaPcmParameters(AlsaSampleFormat Format, int SampleRate, int Channels, int PeriodFrames, int BufferFrames)
{
    /// <summary>Bytes per interleaved frame.</summary>
    public int FrameBytes => Channels * AlsaPcm.BytesPerSample(Format);
}
