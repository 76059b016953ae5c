using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Configuration;

// Sections for areas without their own options record yet (audio devices, model paths, workflow, the
// service), in a first shape with reasonable fields for the lead to reconcile. Each has a section name and
// a Read(ConfigSectionReader) that validates while reading. The pipeline (endpointing, barge-in) and MQTT
// sections belong to VoiceAppliance.Pipeline.PipelineOptions and VoiceAppliance.Mqtt.MqttOptions; they are
// registered here as sections owned elsewhere (see ApplianceConfiguration.AddOwnedElsewhere).

/// <summary>Section <c>Models</c>: model files, relative to <see cref="Directory"/> unless absolute.</summary>
/// <param name="Directory">Where models live.</param>
/// <param name="Vad">Silero VAD ONNX file.</param>
/// <param name="Stt">Speech-to-text engine.</param>
/// <param name="WhisperModel">ggml Whisper model file.</param>
/// <param name="WhisperThreads">Threads for whisper.cpp.</param>
/// <param name="Language">Spoken language (e.g. <c>en</c>).</param>
/// <param name="TtsVoice">Piper voice directory (model.onnx, tokens.txt, espeak-ng-data/).</param>
/// <param name="TtsSpeaker">Speaker id of a multi-speaker voice.</param>
/// <param name="TtsLengthScale">Speech speed: above 1 slower.</param>
/// <param name="GrammarRejectionThreshold">Grammar recogniser: confidence under which speech is treated as outside the commands.</param>
/// <param name="GrammarConcurrentPasses">Grammar recogniser: run its two passes on two cores (faster, about 27 MB more memory).</param>
/// <param name="TtsResidency">Whether the voice stays loaded between sessions.</param>
/// <param name="TtsUnloadAfter">With <see cref="Configuration.TtsResidency.OnDemand"/>: how long without a session before the voice is unloaded.</param>
public sealed record ModelsOptions(string Directory, string Vad, SttEngine Stt, string WhisperModel, int WhisperThreads, string Language, string TtsVoice, int TtsSpeaker, double TtsLengthScale, double GrammarRejectionThreshold = Models.Grammar.GrammarOptions.DefaultRejectionThreshold, bool? GrammarConcurrentPasses = null, TtsResidency TtsResidency = TtsResidency.Auto, TimeSpan? TtsUnloadAfter = null)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Models";

    /// <summary>Devices with at most this much memory (MemTotal) keep the voice on demand under <see cref="TtsResidency.Auto"/>: 640 MiB, so 512 MB boards.</summary>
    public const long SmallDeviceMemoryBytes = 640L * 1024 * 1024;

    /// <summary>The default of <see cref="TtsUnloadAfter"/>: a minute, so a conversation's pauses never unload it.</summary>
    public static readonly TimeSpan DefaultTtsUnloadAfter = TimeSpan.FromMinutes(1);

    /// <summary>
    /// <see cref="TtsResidency"/> with <see cref="TtsResidency.Auto"/> decided for a machine with
    /// <paramref name="memTotalBytes"/> of memory (null: unknown, which keeps the voice resident).
    /// </summary>
    public TtsResidency EffectiveTtsResidency(long? memTotalBytes) => TtsResidency switch
    {
        TtsResidency.Auto => memTotalBytes is { } total && total <= SmallDeviceMemoryBytes ? TtsResidency.OnDemand : TtsResidency.Resident,
        var chosen => chosen,
    };

    /// <summary>A model path made absolute against <see cref="Directory"/>.</summary>
    public string Resolve(string file) => Path.IsPathRooted(file) ? file : Path.Combine(Directory, file);

    /// <summary>whisper.cpp decoding settings from <see cref="Language"/> and <see cref="WhisperThreads"/>.</summary>
    public Models.Whisper.WhisperOptions ToWhisperOptions() => new() { Language = Language, Threads = WhisperThreads };

    /// <summary>pocketsphinx settings from <see cref="GrammarRejectionThreshold"/> and <see cref="GrammarConcurrentPasses"/>.</summary>
    public Models.Grammar.GrammarOptions ToGrammarOptions()
    {
        var options = new Models.Grammar.GrammarOptions { RejectionThreshold = (float)GrammarRejectionThreshold };
        return GrammarConcurrentPasses is { } concurrent ? options with { ConcurrentPasses = concurrent } : options;
    }

    /// <summary>Piper defaults: <see cref="TtsSpeaker"/>, and speed = 1 / <see cref="TtsLengthScale"/>.</summary>
    public Models.Piper.PiperTtsOptions ToPiperOptions() => new() { Speaker = TtsSpeaker, Speed = (float)(1.0 / TtsLengthScale) };

    /// <summary>Reads and validates the section.</summary>
    public static ModelsOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new ModelsOptions(
            r.GetString("Directory", "/var/lib/appliance/models"),
            r.GetString("Vad", "silero_vad_v5.onnx"),
            r.GetEnum("Stt", SttEngine.Whisper),
            r.GetString("WhisperModel", "ggml-base.en.bin"),
            r.GetInt("WhisperThreads", 4, 1, 64),
            r.GetString("Language", "en"),
            r.GetString("TtsVoice", "piper/en_US-libritts_r-medium"),
            r.GetInt("TtsSpeaker", 0, 0, 10000),
            r.GetDouble("TtsLengthScale", 1.0, 0.25, 4.0),
            r.GetDouble("GrammarRejectionThreshold", Models.Grammar.GrammarOptions.DefaultRejectionThreshold, 0, 1),
            r.GetBool("GrammarConcurrentPasses", Environment.ProcessorCount > 1),
            r.GetEnum("TtsResidency", TtsResidency.Auto),
            r.GetMilliseconds("TtsUnloadAfterMs", DefaultTtsUnloadAfter, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)));
    }
}
