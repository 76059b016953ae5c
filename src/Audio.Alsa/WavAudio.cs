using System.Buffers.Binary;
using System.Text;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>Mono or multichannel PCM read from or written to a RIFF/WAVE file, as float samples.</summary>
/// <param name="Samples">Interleaved samples in [-1, 1].</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="Channels">Interleaved channel count.</param>
public sealed record WavAudio(float[] Samples, int SampleRate, int Channels)
{
    /// <summary>Number of frames (samples per channel).</summary>
    public int Frames => Samples.Length / Channels;

    /// <summary>Duration of the audio.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)Frames / SampleRate);
}
