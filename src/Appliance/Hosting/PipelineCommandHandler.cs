using VoiceAppliance.Models;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Hosting;

/// <summary>MQTT commands carried out on the <see cref="VoicePipeline"/>; every method starts the work and returns.</summary>
public sealed class PipelineCommandHandler : IMqttCommandHandler
{
    private const float ChimeAmplitude = 0.25f;
    private readonly VoicePipeline _pipeline;
    private readonly Action? _volumeChanged;

    /// <summary>Creates the handler; <paramref name="volumeChanged"/> runs after a volume change (to republish the state).</summary>
    public PipelineCommandHandler(VoicePipeline pipeline, Action? volumeChanged = null)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _volumeChanged = volumeChanged;
    }

    /// <inheritdoc />
    public Task ListenAsync(CancellationToken cancellationToken)
    {
        _pipeline.Listen();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _pipeline.Stop();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task SayAsync(SayCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var options = command.Volume is { } v ? new SynthesisOptions { Volume = v / 100f } : null;
        if (!await _pipeline.SayAsync(command.Text, options, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"cannot say now: the appliance is {_pipeline.State.ToWireName()}; try again when it is idle.");
        }
    }

    /// <inheritdoc />
    public Task SetMutedAsync(bool muted, CancellationToken cancellationToken)
    {
        if (muted)
        {
            _pipeline.Mute();
        }
        else
        {
            _pipeline.Unmute();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SetVolumeAsync(int volume, CancellationToken cancellationToken)
    {
        _pipeline.Volume = volume;
        _volumeChanged?.Invoke();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task PlayIntercomAsync(IntercomClip clip, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clip);
        var samples = WithChime(clip.Audio.Samples, clip.Audio.Channels, clip.Audio.SampleRate);
        if (!await _pipeline.PlayAsync(samples, clip.Audio.SampleRate, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"cannot play the intercom message now: the appliance is {_pipeline.State.ToWireName()}.");
        }
    }

    /// <summary>Mixes an interleaved clip to mono and puts a two-tone chime (0.3 s) and a short pause in front.</summary>
    internal static float[] WithChime(ReadOnlySpan<float> interleaved, int channels, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        var tone = sampleRate * 3 / 20;
        var gap = sampleRate / 10;
        var frames = interleaved.Length / channels;
        var result = new float[(2 * tone) + gap + frames];
        for (var i = 0; i < 2 * tone; i++)
        {
            var frequency = i < tone ? 880.0 : 1320.0;
            var k = i % tone;
            var envelope = Math.Min(1.0, Math.Min(k, tone - k) / (sampleRate * 0.01));
            result[i] = (float)(ChimeAmplitude * envelope * Math.Sin(2 * Math.PI * frequency * k / sampleRate));
        }

        var offset = (2 * tone) + gap;
        for (var f = 0; f < frames; f++)
        {
            var sum = 0f;
            for (var c = 0; c < channels; c++)
            {
                sum += interleaved[(f * channels) + c];
            }

            result[offset + f] = sum / channels;
        }

        return result;
    }
}
