using System.Collections.Concurrent;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Vad;
using VoiceAppliance.Testing;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>
/// The end-to-end tests share one set of real engines (loaded once for the whole folder) and run one at a
/// time: they pace real audio and measure what comes out, so they must not fight each other for the CPU.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<EndToEndFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "end to end on real engines";
}

/// <summary>
/// The real engines of the end-to-end tests: the provisioned Piper voice (the simulated user and the
/// appliance), Silero VAD v5, the shipped intents (plus a story) and pocketsphinx compiled from their JSGF. Spoken utterances
/// are synthesised once and cached.
/// </summary>
public sealed class EndToEndFixture : IDisposable
{
    /// <summary>The fallback reply of config/intents.json.</summary>
    public const string FallbackReply = "Sorry, I did not understand that.";

    /// <summary>The reply of the Story intent: long enough (several sentences) to be barged into.</summary>
    public const string StoryReply =
        "Once upon a time, a small robot lived in a quiet kitchen. Every morning it made tea for the family. " +
        "One day the kettle broke, and the robot had to learn to boil water in a pot. It was a long and happy day.";

    /// <summary>The Story intent the tests add to config/intents.json: a long reply (several sentences) to barge into.</summary>
    public static IntentDefinition StoryIntent { get; } = new() { Name = "Story", Sentences = ["tell me a story"], Reply = StoryReply };

    /// <summary>The Piper speaker of the simulated user (the appliance answers with speaker 0).</summary>
    public const int UserSpeaker = 20;

    private readonly ConcurrentDictionary<(string Text, int Speaker), float[]> _speech = new();
    private readonly ConcurrentDictionary<string, double> _replyDurations = new(StringComparer.Ordinal);

    /// <summary>Loads the engines.</summary>
    public EndToEndFixture()
    {
        Voice = SpeechSamples.Voice(TestPaths.Model(SpeechSamples.DefaultVoice));
        VadModel = SileroVadModel.Load(TestPaths.Model("silero_vad_v5.onnx"));
        var shipped = IntentsFile.Load(Path.Combine(TestPaths.Root, "config", "intents.json"));
        Intents = shipped with { Intents = [.. shipped.Intents, StoryIntent] };
        Intents.Validate();
        using (var workflow = new IntentWorkflow(Intents))
        {
            Jsgf = workflow.Jsgf;
        }

        Grammar = new GrammarSpeechToText(Jsgf);
    }

    /// <summary>The shared deterministic Piper voice.</summary>
    public PiperTts Voice { get; }

    /// <summary>Silero VAD v5, loaded once; each pipeline gets its own stream.</summary>
    public SileroVadModel VadModel { get; }

    /// <summary>The shipped config/intents.json plus <see cref="StoryIntent"/>.</summary>
    public IntentOptions Intents { get; }

    /// <summary>The JSGF the intents compile to.</summary>
    public string Jsgf { get; }

    /// <summary>pocketsphinx on <see cref="Jsgf"/>.</summary>
    public GrammarSpeechToText Grammar { get; }

    /// <summary>A new VAD stream at 16 kHz.</summary>
    public SileroVad NewVad() => VadModel.CreateStream();

    /// <summary>A new intents workflow recording what it publishes.</summary>
    public IntentWorkflow NewWorkflow(RecordingPublisher publisher) => new(Intents, publisher);

    /// <summary><paramref name="text"/> spoken by <paramref name="speaker"/>, 16 kHz mono (cached).</summary>
    public float[] Speech(string text, int speaker = UserSpeaker) =>
        _speech.GetOrAdd((text, speaker), k =>
        {
            lock (Voice)
            {
                var audio = Voice.Synthesize(k.Text, new SynthesisOptions { Speaker = k.Speaker, SentenceSilence = TimeSpan.Zero });
                return AudioResampler.Resample(audio, Voice.SampleRate, 16000);
            }
        });

    /// <summary>Seconds of audio the appliance's voice (speaker 0, default options) makes of <paramref name="reply"/>.</summary>
    public double ReplySeconds(string reply) =>
        _replyDurations.GetOrAdd(reply, r =>
        {
            lock (Voice)
            {
                return Voice.Synthesize(r).Length / (double)Voice.SampleRate;
            }
        });

    /// <inheritdoc />
    public void Dispose()
    {
        Grammar.Dispose();
        VadModel.Dispose();
    }
}

/// <summary>An <see cref="IMessagePublisher"/> that records what the intents publish (MQTT is not part of these runs).</summary>
public sealed class RecordingPublisher : IMessagePublisher
{
    private readonly ConcurrentQueue<(string Topic, string Payload)> _messages = new();

    /// <summary>What was published, in order.</summary>
    public IReadOnlyList<(string Topic, string Payload)> Messages => [.. _messages];

    /// <inheritdoc />
    public ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken)
    {
        _messages.Enqueue((topic, payload));
        return ValueTask.CompletedTask;
    }
}
