using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Piper;

namespace VoiceAppliance.Demo;

/// <summary>
/// The demo's default scenario: a few spoken commands (synthesised by the project's own Piper voice with a
/// different speaker than the appliance's), separated by silences with room noise and a noise burst, as a
/// 48 kHz two-channel recording like a ReSpeaker 2-Mic HAT delivers.
/// </summary>
public static class DemoScenario
{
    /// <summary>
    /// The commands, in order. (No out-of-grammar phrase: the grammar recogniser's rejection of speech outside its
    /// commands is heuristic and not yet reliable enough to show; see the end-to-end tests.)
    /// </summary>
    public static IReadOnlyList<string> Commands { get; } =
    [
        "What day is it today?",
        "Turn on the kitchen light.",
        "Set the volume to forty percent.",
        "Set a timer for five minutes.",
    ];

    /// <summary>The intent each of <see cref="Commands"/> should be recognised as.</summary>
    public static IReadOnlyList<string> ExpectedIntents { get; } = ["GetDate", "ChangeLightState", "SetVolume", "StartTimer"];

    /// <summary>
    /// The intents the demo runs with: config/intents.json, the file shipped for <c>/etc/appliance</c>, embedded in the
    /// binary at build time (so the demo runs anywhere, and there is one copy to edit).
    /// </summary>
    public static string IntentsJson { get; } = ReadEmbeddedIntents();

    /// <summary>Rate and channels of the simulated microphone.</summary>
    public const int MicRate = 48000;

    /// <summary>Channels of the simulated microphone (ReSpeaker 2-Mic HAT).</summary>
    public const int MicChannels = 2;

    /// <summary>The Piper speaker id used for the simulated user (the appliance answers with speaker 0).</summary>
    public const int UserSpeaker = 20;

    private static string ReadEmbeddedIntents()
    {
        const string Name = "VoiceAppliance.Demo.intents.json";
        using var stream = typeof(DemoScenario).Assembly.GetManifestResourceStream(Name)
            ?? throw new InvalidOperationException($"The build did not embed {Name} (config/intents.json); rebuild the appliance.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Synthesises the scenario with <paramref name="voice"/> and returns the 16 kHz mono recording and its
    /// commands. Each command has <paramref name="replyGap"/> of room noise after it so the reply can play.
    /// </summary>
    public static (float[] Mono16k, IReadOnlyList<ScriptedCommand> Script) Build(PiperTts voice, TimeSpan replyGap, int seed = 7)
    {
        ArgumentNullException.ThrowIfNull(voice);
        var rng = new Random(seed);
        var audio = new List<float>(16000 * 60);
        var script = new List<ScriptedCommand>();
        const int Rate = 16000;
        AddNoise(audio, Rate * 1, rng, 0.002f);
        foreach (var text in Commands)
        {
            var trigger = audio.Count;
            AddNoise(audio, Rate * 6 / 10, rng, 0.002f);
            var speech = AudioResampler.Resample(voice.Synthesize(text, new SynthesisOptions { Speaker = UserSpeaker, SentenceSilence = TimeSpan.Zero }), voice.SampleRate, Rate);
            var start = audio.Count;
            foreach (var s in speech)
            {
                audio.Add((s * 0.7f) + Noise(rng, 0.002f));
            }

            script.Add(new ScriptedCommand(text, trigger, start, audio.Count));
            var gap = (int)(replyGap.TotalSeconds * Rate);
            AddNoise(audio, gap / 2, rng, 0.002f);
            AddNoise(audio, Rate / 5, rng, 0.05f); // a short noise burst (a door, a cough) while nobody is listening
            AddNoise(audio, gap - (gap / 2), rng, 0.002f);
        }

        return (audio.ToArray(), script);
    }

    /// <summary>Turns 16 kHz mono into the simulated microphone's 48 kHz stereo (channel 1 a quieter copy).</summary>
    public static float[] ToMicFormat(float[] mono16k)
    {
        ArgumentNullException.ThrowIfNull(mono16k);
        var up = AudioResampler.Resample(mono16k, 16000, MicRate);
        var interleaved = new float[up.Length * MicChannels];
        for (var i = 0; i < up.Length; i++)
        {
            interleaved[i * 2] = up[i];
            interleaved[(i * 2) + 1] = up[i] * 0.8f;
        }

        return interleaved;
    }

    private static void AddNoise(List<float> audio, int samples, Random rng, float level)
    {
        for (var i = 0; i < samples; i++)
        {
            audio.Add(Noise(rng, level));
        }
    }

    private static float Noise(Random rng, float level) => (float)((rng.NextDouble() * 2) - 1) * level;
}

/// <summary>
/// Wraps the microphone and presses the (simulated) button when the audio read reaches each scripted
/// position, so triggers line up with the recording whatever the pacing.
/// </summary>
internal sealed class ScriptedTriggerCapture(IAudioCapture inner, IReadOnlyList<long> triggers, Action tap) : IAudioCapture
{
    private long _position;
    private int _next;

    public int SampleRate => inner.SampleRate;

    public long DroppedSamples => inner.DroppedSamples;

    public async ValueTask<bool> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        var more = await inner.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
        _position += destination.Length;
        while (_next < triggers.Count && _position >= triggers[_next])
        {
            _next++;
            tap();
        }

        return more;
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
