using System.Runtime.CompilerServices;
using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// A WAV file as the microphone (demo, tests, replaying a recorded utterance): any rate and channel count,
/// made 16 kHz mono with the same mixer and resampler as <see cref="AlsaCapture"/>. Optionally paced in
/// real time. <see cref="ReadAsync"/> returns false at the end of the file (the last window is padded with
/// silence).
/// </summary>
public sealed class WavFileCapture : IAudioCapture
{
    private readonly float[] _audio;
    private readonly bool _paced;
    private readonly TimeProvider _time;
    private int _position;
    private long _start;

    /// <summary>Loads <paramref name="path"/>; throws <see cref="InvalidWavException"/> naming the file when it is not usable.</summary>
    public WavFileCapture(string path, ChannelSelection? selection = null, bool paceInRealTime = false, int outputRate = 16000, TimeProvider? timeProvider = null)
    {
        var wav = WavFile.Read(path);
        var weights = (selection ?? ChannelSelection.Downmix).Weights(wav.Channels);
        var mono = new float[wav.Frames];
        ChannelMixer.Mix(wav.Samples, wav.Channels, weights, mono);
        if (wav.SampleRate == outputRate)
        {
            _audio = mono;
        }
        else
        {
            var resampler = new PolyphaseResampler(wav.SampleRate, outputRate);
            var output = new float[resampler.MaxOutput(mono.Length + resampler.TapsPerPhase)];
            var n = resampler.Process(mono, output);
            n += resampler.Process(new float[resampler.TapsPerPhase], output.AsSpan(n)); // flush the filter's tail
            _audio = output[..Math.Min(n, (int)((long)mono.Length * outputRate / wav.SampleRate) + resampler.DelayOutputSamples)];
        }

        SampleRate = outputRate;
        _paced = paceInRealTime;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public int SampleRate { get; }

    /// <inheritdoc />
    public long DroppedSamples => 0;

    /// <summary>The whole file as 16 kHz mono.</summary>
    public ReadOnlyMemory<float> Audio => _audio;

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        if (_position >= _audio.Length)
        {
            return false;
        }

        if (_position == 0)
        {
            _start = _time.GetTimestamp();
        }

        var n = Math.Min(destination.Length, _audio.Length - _position);
        _audio.AsSpan(_position, n).CopyTo(destination.Span);
        destination.Span[n..].Clear();
        _position += n;
        if (_paced)
        {
            var wait = TimeSpan.FromSeconds((double)_position / SampleRate) - _time.GetElapsedTime(_start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
        }

        return true;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
