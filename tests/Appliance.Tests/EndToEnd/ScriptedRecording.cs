using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>
/// A 16 kHz mono microphone recording built piece by piece (room noise, noise bursts, spoken commands) with
/// cues: actions the test runs when the microphone's read position reaches a point of the recording (tap the
/// button once the appliance is idle, barge in while it speaks). Cues make the run independent of how fast the
/// machine is: the microphone waits for them.
/// </summary>
public sealed class ScriptedRecording
{
    /// <summary>The rate of the recording.</summary>
    public const int Rate = 16000;

    private readonly List<float> _audio = new(Rate * 60);
    private readonly List<RecordingCue> _cues = [];
    private readonly List<SpokenPart> _spoken = [];
    private readonly Random _rng;

    /// <summary>Starts an empty recording; <paramref name="seed"/> fixes the noise.</summary>
    public ScriptedRecording(int seed = 7) => _rng = new Random(seed);

    /// <summary>The samples so far.</summary>
    public float[] Samples => [.. _audio];

    /// <summary>Length so far, in seconds.</summary>
    public double Seconds => _audio.Count / (double)Rate;

    /// <summary>The cues, in order of position.</summary>
    public IReadOnlyList<RecordingCue> Cues => _cues;

    /// <summary>The spoken parts, in order.</summary>
    public IReadOnlyList<SpokenPart> Spoken => _spoken;

    /// <summary>Room noise (uniform, about -60 dBFS by default).</summary>
    public ScriptedRecording Noise(double seconds, float level = 0.002f)
    {
        var n = (int)(seconds * Rate);
        for (var i = 0; i < n; i++)
        {
            _audio.Add(NextNoise(level));
        }

        return this;
    }

    /// <summary>A loud noise burst (a door, a cough): -26 dBFS white noise.</summary>
    public ScriptedRecording Burst(double seconds = 0.2) => Noise(seconds, 0.05f);

    /// <summary>Speech (16 kHz mono) at <paramref name="gain"/>, with room noise under it.</summary>
    public ScriptedRecording Say(string text, float[] speech, float gain = 0.7f)
    {
        ArgumentNullException.ThrowIfNull(speech);
        var start = _audio.Count;
        foreach (var s in speech)
        {
            _audio.Add((s * gain) + NextNoise(0.002f));
        }

        _spoken.Add(new SpokenPart(text, start, _audio.Count));
        return this;
    }

    /// <summary>Runs <paramref name="action"/> when the microphone has delivered everything recorded so far.</summary>
    public ScriptedRecording Cue(string name, Func<CueContext, Task> action)
    {
        _cues.Add(new RecordingCue(name, _audio.Count, action));
        return this;
    }

    /// <summary>Taps the button as soon as the appliance is idle (after the previous reply).</summary>
    public ScriptedRecording TapWhenIdle() => Cue("tap", async c =>
    {
        await c.WaitForStateAsync(PipelineState.Idle).ConfigureAwait(false);
        c.Pipeline.Tap();
    });

    private float NextNoise(float level) => (float)((_rng.NextDouble() * 2) - 1) * level;
}

/// <summary>A spoken part of a <see cref="ScriptedRecording"/>, in 16 kHz samples.</summary>
/// <param name="Text">What is said.</param>
/// <param name="Start">First sample.</param>
/// <param name="End">Sample after the last.</param>
public sealed record SpokenPart(string Text, long Start, long End);

/// <summary>An action at a position of a <see cref="ScriptedRecording"/>.</summary>
/// <param name="Name">For messages.</param>
/// <param name="Position">16 kHz sample position.</param>
/// <param name="Action">What to do there; the microphone waits for it.</param>
public sealed record RecordingCue(string Name, long Position, Func<CueContext, Task> Action);

/// <summary>What a cue can reach: the pipeline, and a wait for its state.</summary>
public sealed class CueContext(VoicePipeline pipeline, TimeSpan timeout)
{
    /// <summary>The pipeline under test.</summary>
    public VoicePipeline Pipeline { get; } = pipeline;

    /// <summary>Waits (polling; test code) until the pipeline is in <paramref name="state"/>; fails after the rig's timeout.</summary>
    public async Task WaitForStateAsync(PipelineState state)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Pipeline.State != state)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the pipeline did not reach {state} within {timeout.TotalSeconds} s (it is {Pipeline.State})");
            }

            await Task.Delay(2).ConfigureAwait(false);
        }
    }
}
