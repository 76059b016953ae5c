using System.Globalization;
using VoiceAppliance.Demo;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Vad;
using VoiceAppliance.Models.Whisper;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Benchmarks.Pipeline;

/// <summary>
/// The real engines for <c>pipeline --real</c>: Silero VAD v5, pocketsphinx compiled from the demo intents (or
/// whisper.cpp on a generated model with tiny.en's dimensions and random weights: a cost figure, its transcripts
/// are noise and every turn ends in the fallback reply), the intents workflow and the provisioned Piper voice.
/// The commands are spoken by the same voice with another speaker (20), once, before the run.
/// </summary>
internal sealed class RealPipelineEngines : IDisposable
{
    /// <summary>Commands the grammar STT hears correctly from Piper speaker 20 (checked by the end-to-end tests); cycled.</summary>
    public static IReadOnlyList<string> Commands { get; } =
    [
        "What day is it today?", "Turn on the kitchen light.", "Set the volume to forty percent.", "Set a timer for five minutes.",
        "Turn off the bedroom light.",
    ];

    private const int UserSpeaker = 20;

    private readonly string _vadPath;
    private readonly PiperTts _tts;
    private readonly float[][] _speech;
    private readonly List<IDisposable> _owned = [];

    private RealPipelineEngines(string vadPath, PiperTts tts, float[][] speech)
    {
        _vadPath = vadPath;
        _tts = tts;
        _speech = speech;
    }

    /// <summary>Loads the VAD path and the voice and speaks the commands.</summary>
    public static RealPipelineEngines Load()
    {
        var vad = ModelPaths.Require("silero_vad_v5.onnx");
        var voiceDir = Path.GetDirectoryName(ModelPaths.Require("piper/en_US-libritts_r-medium/model.onnx"))!;
        var tts = PiperTts.Open(voiceDir);
        var speech = Commands
            .Select(c => AudioResampler.Resample(tts.Synthesize(c, new SynthesisOptions { Speaker = UserSpeaker, SentenceSilence = TimeSpan.Zero }), tts.SampleRate, 16000))
            .ToArray();
        return new RealPipelineEngines(vad, tts, speech);
    }

    /// <summary>The Piper voice (multi-speaker libritts_r-medium) that also speaks the user's commands.</summary>
    public PiperTts Voice => _tts;

    /// <summary>Silero + grammar STT + intents + Piper.</summary>
    public PipelineBenchEngines Grammar()
    {
        var workflow = Own(NewWorkflow());
        var stt = Own(new GrammarSpeechToText(workflow.Jsgf));
        return new PipelineBenchEngines("real: Silero v5, grammar STT (pocketsphinx), intents, Piper libritts_r-medium", NewVad, stt, _tts, workflow, Command);
    }

    /// <summary>Silero + whisper.cpp on a generated tiny.en-shaped model (written to <paramref name="directory"/>) + intents + Piper.</summary>
    public PipelineBenchEngines Whisper(string directory, int threads, bool small = false)
    {
        var path = Path.Combine(directory, small ? "ggml-random-small.bin" : "ggml-random-tiny.en.bin");
        GgmlWhisperModelWriter.Write(path, small ? GgmlWhisperModelWriter.SmallEnglish : WhisperHyperParameters.TinyEnglish, seed: small ? 3 : 1);
        var model = Own(WhisperModel.Load(path));
        var stt = new WhisperSpeechToText(model, new WhisperOptions { Threads = threads, BestOf = 1, BeamSize = 0, TemperatureIncrement = 0 });
        var name = string.Create(CultureInfo.InvariantCulture, $"real: Silero v5, whisper.cpp {(small ? "test-sized (width 64)" : "tiny.en-shaped")} random weights ({threads} threads; cost only), intents, Piper");
        return new PipelineBenchEngines(name, NewVad, stt, _tts, Own(NewWorkflow()), Command);
    }

    /// <summary>Long requests (6-10 s spoken by Piper speaker 20) for whisper's incremental speculation; cycled.</summary>
    public static IReadOnlyList<string> LongRequests { get; } =
    [
        "Please add milk, eggs, bread, butter and two bags of coffee to the shopping list, and remind me to call the plumber tomorrow morning about the kitchen sink.",
        "Tell me what the weather will be like in the mountains this weekend, because we are planning a long walk with the children on Saturday.",
        "Could you turn the living room lights down a little and play some quiet music while I finish cooking dinner for everyone tonight?",
        "Remind me on Monday at nine to send the report to my manager and to book a table at the Italian restaurant near the station.",
    ];

    /// <summary>
    /// Silero + whisper.cpp on the generated tiny.en-shaped model + intents + Piper, speaking <see cref="LongRequests"/>
    /// (synthesised here, once per call).
    /// </summary>
    public PipelineBenchEngines WhisperLong(string directory, int threads, bool small = false)
    {
        var speech = LongRequests
            .Select(c => AudioResampler.Resample(_tts.Synthesize(c, new SynthesisOptions { Speaker = UserSpeaker, SentenceSilence = TimeSpan.Zero }), _tts.SampleRate, 16000))
            .ToArray();
        var w = Whisper(directory, threads, small);
        return w with { CommandAudio = i => speech[i % speech.Length] };
    }

    public void Dispose()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }

        _tts.Dispose();
    }

    private IVoiceActivityDetector NewVad() => SileroVad.Open(_vadPath);

    private float[] Command(int i) => _speech[i % _speech.Length];

    private static IntentWorkflow NewWorkflow() => new(IntentsFile.Parse(DemoScenario.IntentsJson, "demo intents"), new NullPublisher());

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private sealed class NullPublisher : IMessagePublisher
    {
        public ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
