using Microsoft.Extensions.Logging;
using VoiceAppliance.Configuration;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Vad;
using VoiceAppliance.Models.WakeWord;
using VoiceAppliance.Models.Whisper;
using VoiceAppliance.Cloud;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Hosting;

/// <summary>
/// The speech engines and the workflow, loaded once from the <c>Models</c> and <c>Workflow</c> sections: Silero VAD,
/// grammar STT (pocketsphinx on the intents' JSGF) or whisper.cpp, Piper, and the intents or echo workflow. Owns
/// and disposes them.
/// </summary>
public sealed class ApplianceEngines : IDisposable
{
    private readonly List<IDisposable> _owned;

    private ApplianceEngines(IVoiceActivityDetector vad, ISpeechToText stt, ITextToSpeech tts, IVoiceWorkflow workflow, List<IDisposable> owned)
    {
        Vad = vad;
        Stt = stt;
        Tts = tts;
        Workflow = workflow;
        _owned = owned;
    }

    /// <summary>The voice activity detector.</summary>
    public IVoiceActivityDetector Vad { get; }

    /// <summary>The speech-to-text engine.</summary>
    public ISpeechToText Stt { get; }

    /// <summary>The voice.</summary>
    public ITextToSpeech Tts { get; }

    /// <summary>What turns a transcript into a reply.</summary>
    public IVoiceWorkflow Workflow { get; }

    /// <summary>The realtime speech-to-speech provider (<c>Cloud:Realtime</c>), or null when not configured.</summary>
    public Pipeline.IRealtimeSpeech? Realtime { get; private init; }

    /// <summary>The wake word chain (<c>Pipeline:WakeWord</c>), or null when wake words are off.</summary>
    public WakeWordDetector? WakeWord { get; private init; }

    /// <summary>Loads every engine the configuration names.</summary>
    /// <param name="configuration">A configuration without errors.</param>
    /// <param name="publisher">Where intents' publish actions go (MQTT when enabled).</param>
    /// <param name="timeProvider">Time for the workflow's timers.</param>
    /// <param name="loggerFactory">Loggers.</param>
    /// <param name="conversation">Where <c>Workflow:Kind = mqtt</c> sends transcripts (null: that kind is refused).</param>
    /// <exception cref="MissingDependencyException">A model file, the intents file or a native library is absent; the message names it and the fix.</exception>
    /// <exception cref="ConfigurationException">The sections do not fit together (e.g. grammar STT without intents).</exception>
    public static ApplianceEngines Load(LoadedConfiguration configuration, IMessagePublisher publisher, TimeProvider timeProvider, ILoggerFactory loggerFactory, IConversationChannel? conversation = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(publisher);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var models = configuration.Models;
        if (configuration.Workflow.Kind == WorkflowKind.Mqtt && (!configuration.Mqtt.Enabled || conversation is null))
        {
            // Before any model is looked for: the configuration cannot work whatever is installed.
            throw new ConfigurationException(
                "Workflow:Kind = mqtt sends each transcript over MQTT, so it needs Mqtt:Enabled = true (and a broker); or use 'intents' or 'echo'.",
                [new ConfigIssue(ConfigSeverity.Error, "Workflow:Kind", "'mqtt' needs Mqtt:Enabled = true; or use 'intents' or 'echo'.")]);
        }

        var owned = new List<IDisposable>();
        try
        {
            var vadPath = Require(models.Resolve(models.Vad), "Models:Vad", "silero-vad-v5");
            var voiceDir = models.Resolve(models.TtsVoice);
            Require(Path.Combine(voiceDir, "model.onnx"), "Models:TtsVoice", "piper-en_US-libritts_r-medium");
            var whisperPath = models.Stt == SttEngine.Whisper ? Require(models.Resolve(models.WhisperModel), "Models:WhisperModel", "whisper-base.en") : null;
            ITextToSpeech tts = Own(owned, PiperTts.Open(voiceDir, null, models.ToPiperOptions()));
            var residency = models.EffectiveTtsResidency(SystemMemory.TotalBytes());
            if (residency == TtsResidency.OnDemand)
            {
                // Loaded once above, so a broken voice is an error at start; from here it is unloaded while idle.
                owned.Remove((IDisposable)tts);
                var piperOptions = models.ToPiperOptions();
                tts = Own(owned, new OnDemandTextToSpeech(tts, () => PiperTts.Open(voiceDir, null, piperOptions), models.TtsUnloadAfter ?? ModelsOptions.DefaultTtsUnloadAfter, timeProvider, NativeHeap.Trim, loggerFactory.CreateLogger<OnDemandTextToSpeech>()));
            }

            var vad = Own(owned, SileroVad.Open(vadPath));

            var cloud = configuration.Cloud;
            var kind = configuration.Workflow.Kind;
            IVoiceWorkflow workflow;
            IntentWorkflow? intents = null;
            switch (kind)
            {
                case WorkflowKind.Llm or WorkflowKind.IntentsThenLlm:
                    if (cloud.Llm is null)
                    {
                        throw new ConfigurationException(
                            $"Workflow:Kind = {kind} needs the assistant configured in Cloud:Llm (BaseUrl, Model, ApiKeyFile); or use 'intents'.",
                            [new ConfigIssue(ConfigSeverity.Error, "Workflow:Kind", $"'{kind}' needs Cloud:Llm.")]);
                    }

                    var intentsFile = configuration.Workflow.IntentsFile;
                    if (File.Exists(intentsFile))
                    {
                        intents = Own(owned, new IntentWorkflow(IntentsFile.Load(intentsFile), publisher, timeProvider, loggerFactory.CreateLogger<IntentWorkflow>()));
                    }
                    else if (kind == WorkflowKind.IntentsThenLlm)
                    {
                        throw new MissingDependencyException($"Workflow:IntentsFile: '{intentsFile}' does not exist, and intents-then-llm answers the intents first. Fix: copy config/intents.json there, or use Workflow:Kind = llm.");
                    }

                    workflow = new LlmWorkflow(CloudEndpointFor(cloud.Llm, owned, timeProvider, loggerFactory), intents, kind == WorkflowKind.IntentsThenLlm, loggerFactory.CreateLogger<LlmWorkflow>());
                    break;
                case WorkflowKind.Intents:
                    var intentsPath = configuration.Workflow.IntentsFile;
                    if (!File.Exists(intentsPath))
                    {
                        throw new MissingDependencyException($"Workflow:IntentsFile: '{intentsPath}' does not exist. Fix: copy config/intents.json there, or point Workflow:IntentsFile at your intents file.");
                    }

                    intents = Own(owned, new IntentWorkflow(IntentsFile.Load(intentsPath), publisher, timeProvider, loggerFactory.CreateLogger<IntentWorkflow>()));
                    workflow = intents;
                    break;
                case WorkflowKind.Echo:
                    workflow = new EchoWorkflow(new WavFileMessageSink(Path.Combine(configuration.Service.StateDirectory, "messages")), timeProvider);
                    break;
                default:
                    workflow = new MqttConversationWorkflow(conversation!, configuration.Workflow.ReplyTimeout, timeProvider, loggerFactory.CreateLogger<MqttConversationWorkflow>());
                    break;
            }

            ISpeechToText stt;
            if (models.Stt == SttEngine.Grammar)
            {
                if (intents is null)
                {
                    throw new ConfigurationException(
                        "Models:Stt = grammar recognises the intents' sentences, so it needs Workflow:Kind = intents; use Models:Stt = whisper with other workflows.",
                        [new ConfigIssue(ConfigSeverity.Error, "Models:Stt", "'grammar' needs Workflow:Kind = intents; use 'whisper' with other workflows.")]);
                }

                if (kind == WorkflowKind.Llm && cloud.Stt is null)
                {
                    throw new ConfigurationException(
                        "Models:Stt = grammar hears only the intents' sentences, so Workflow:Kind = llm would never hear a question; use Models:Stt = whisper, configure Cloud:Stt, or use Workflow:Kind = intents-then-llm.",
                        [new ConfigIssue(ConfigSeverity.Error, "Models:Stt", "'grammar' with Workflow:Kind = llm needs Cloud:Stt; or use 'whisper'.")]);
                }

                stt = Own(owned, new GrammarSpeechToText(intents.Jsgf, models.ToGrammarOptions(), loggerFactory.CreateLogger<GrammarSpeechToText>()));
            }
            else
            {
                var whisperOptions = models.ToWhisperOptions();
                var model = Own(owned, WhisperModel.Load(whisperPath!, loggerFactory.CreateLogger<WhisperModel>()));
                whisperOptions.Validate();
                stt = new WhisperSpeechToText(model, whisperOptions);
            }

            if (cloud.Stt is { } cloudStt)
            {
                stt = new FallbackSpeechToText(new CloudSpeechToText(CloudEndpointFor(cloudStt, owned, timeProvider, loggerFactory)), stt, loggerFactory.CreateLogger<FallbackSpeechToText>());
            }

            ITextToSpeech speech = tts;
            if (cloud.Tts is { } cloudTts)
            {
                speech = new FallbackTextToSpeech(new CloudTextToSpeech(CloudEndpointFor(cloudTts, owned, timeProvider, loggerFactory)), tts, loggerFactory.CreateLogger<FallbackTextToSpeech>());
            }


            var wake = configuration.Pipeline.WakeWord;
            WakeWordDetector? detector = null;
            if (wake.Enabled)
            {
                var features = Own(owned, WakeWordFeatureModels.Load(
                    Require(WakeWordMelspectrogramPath(models), "Pipeline:WakeWord", "openwakeword-melspectrogram"),
                    Require(WakeWordEmbeddingPath(models), "Pipeline:WakeWord", "openwakeword-embedding")));
                var targets = new List<WakeWordTarget>();
                for (var i = 0; i < wake.Words.Count; i++)
                {
                    var word = wake.Words[i];
                    var model = Own(owned, WakeWordModel.Load(Require(WakeWordModelPath(models, word.Model), $"Pipeline:WakeWord:Words:{i}:Model", WakeWordModelName(word.Model))));
                    targets.Add(WakeWordTarget.For(model, word.Threshold, word.Patience));
                }

                detector = Own(owned, new WakeWordDetector(features, targets, wake.Refractory, wake.FineHopPreThreshold));
            }

            RealtimeSpeech? realtime = null;
            if (cloud.Realtime is { } realtimeOptions)
            {
                realtime = Own(owned, new RealtimeSpeech(realtimeOptions, LoadKey("Cloud:Realtime:ApiKeyFile", realtimeOptions.ApiKeyFile), intents, timeProvider, loggerFactory.CreateLogger<RealtimeSpeech>()));
            }

            return new ApplianceEngines(vad, stt, speech, workflow, owned) { WakeWord = detector, Realtime = realtime };
        }
        catch (DllNotFoundException ex)
        {
            DisposeAll(owned);
            throw new MissingDependencyException($"a native library is missing: {ex.Message} Fix: install the release tarball's native/ folder next to the binary (or run eng/provision.sh in a checkout).", ex);
        }
        catch
        {
            DisposeAll(owned);
            throw;
        }
    }

    /// <summary>Disposes every engine.</summary>
    public void Dispose()
    {
        DisposeAll(_owned);
    }

    private static ApiKey? LoadKey(string configKey, string? file)
    {
        try
        {
            return file is null ? null : ApiKey.Load(configKey, file);
        }
        catch (CloudConfigurationException ex)
        {
            throw new MissingDependencyException(ex.Message, ex);
        }
    }

    /// <summary>The HTTP side of a configured provider; only called for providers that are configured.</summary>
    private static CloudEndpoint CloudEndpointFor(CloudProviderOptions options, List<IDisposable> owned, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ApiKey? key;
        try
        {
            key = options.ApiKeyFile is { } file ? ApiKey.Load($"Cloud:{options.Kind}:ApiKeyFile", file) : null;
        }
        catch (CloudConfigurationException ex)
        {
            throw new MissingDependencyException(ex.Message, ex);
        }

        return Own(owned, new CloudEndpoint(options, key, timeProvider, loggerFactory.CreateLogger<CloudEndpoint>()));
    }

    /// <summary>The melspectrogram model of the wake word chain (<c>models/openwakeword/melspectrogram.onnx</c>).</summary>
    internal static string WakeWordMelspectrogramPath(ModelsOptions models) => models.Resolve("openwakeword/melspectrogram.onnx");

    /// <summary>The speech embedding model of the wake word chain (<c>models/openwakeword/embedding_model.onnx</c>).</summary>
    internal static string WakeWordEmbeddingPath(ModelsOptions models) => models.Resolve("openwakeword/embedding_model.onnx");

    /// <summary>A wake word's classifier file: a name such as hey_jarvis is models/openwakeword/hey_jarvis_v0.1.onnx; a path stays a path.</summary>
    internal static string WakeWordModelPath(ModelsOptions models, string model) =>
        model.Contains('/', StringComparison.Ordinal) || model.EndsWith(".onnx", StringComparison.Ordinal)
            ? models.Resolve(model)
            : models.Resolve($"openwakeword/{model}_v0.1.onnx");

    /// <summary>The manifest name `appliance models fetch` takes for a pretrained word (hey_jarvis -> openwakeword-hey-jarvis).</summary>
    internal static string WakeWordModelName(string model) => $"openwakeword-{model.Replace('_', '-')}";

    private static string Require(string path, string key, string modelName)
    {
        if (!File.Exists(path))
        {
            throw new MissingDependencyException($"{key}: model file '{path}' does not exist. Fix: run `appliance models fetch {modelName}`, or set {key} / Models:Directory to where the file is.");
        }

        return path;
    }

    private static T Own<T>(List<IDisposable> owned, T item)
        where T : IDisposable
    {
        owned.Add(item);
        return item;
    }

    private static void DisposeAll(List<IDisposable> owned)
    {
        for (var i = owned.Count - 1; i >= 0; i--)
        {
            owned[i].Dispose();
        }

        owned.Clear();
    }
}
