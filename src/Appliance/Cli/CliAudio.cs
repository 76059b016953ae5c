using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Audio.Alsa.Dsp;
using VoiceAppliance.Models.Piper;

namespace VoiceAppliance.Cli;

/// <summary>Audio files as the offline commands (<c>transcribe</c>, <c>vad</c>) take them.</summary>
internal static class CliAudio
{
    /// <summary>The speech engines' rate.</summary>
    public const int SpeechRate = 16000;

    /// <summary>
    /// Reads <paramref name="file"/> (any rate and channel count the WAV reader accepts), averages the channels and
    /// resamples to 16 kHz mono.
    /// </summary>
    /// <exception cref="InvalidWavException">The file does not exist or is not a usable WAV; the message names it
    /// (bad input: exit 65, unlike a missing model, which is a missing part of the appliance: 69).</exception>
    public static float[] ReadSpeech16k(string file)
    {
        if (!File.Exists(file))
        {
            throw new InvalidWavException($"input WAV '{file}' does not exist.");
        }

        var wav = WavFile.Read(file);
        var mono = new float[wav.Frames];
        var weights = new float[wav.Channels];
        Array.Fill(weights, 1f / wav.Channels);
        ChannelMixer.Mix(wav.Samples, wav.Channels, weights, mono);
        return AudioResampler.Resample(mono, wav.SampleRate, SpeechRate);
    }
}
