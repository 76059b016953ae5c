using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Configuration;

// Sections for areas without their own options record yet (audio devices, model paths, workflow, the
// service), in a first shape with reasonable fields for the lead to reconcile. Each has a section name and
// a Read(ConfigSectionReader) that validates while reading. The pipeline (endpointing, barge-in) and MQTT
// sections belong to VoiceAppliance.Pipeline.PipelineOptions and VoiceAppliance.Mqtt.MqttOptions; they are
// registered here as sections owned elsewhere (see ApplianceConfiguration.AddOwnedElsewhere).

/// <summary>Section <c>Audio</c>: ALSA devices by name and how the microphone (array) is read.</summary>
/// <param name="CaptureDevice">ALSA capture PCM (prefer <c>plughw:CARD=name</c> over card numbers).</param>
/// <param name="PlaybackDevice">ALSA playback PCM.</param>
/// <param name="MicProfile">The mic (array) profile (<see cref="MicArrayProfile.Id"/>): channels, format, rate and channel selection defaults.</param>
/// <param name="CaptureRate">Capture device rate (resampled to 16 kHz for speech); the profile's when absent.</param>
/// <param name="CaptureChannels">Channels opened on the capture device; the profile's when absent.</param>
/// <param name="CaptureFormat">Capture sample format; the profile's when absent.</param>
/// <param name="Channel">Which channels make the speech signal: <c>0</c>, <c>mix</c> or a list <c>0,2</c>; the profile's when absent.</param>
/// <param name="PeriodMs">ALSA period of the capture device.</param>
/// <param name="PlaybackRate">Playback device rate.</param>
/// <param name="PlaybackChannels">Playback device channels (1 or 2).</param>
/// <param name="Volume">Initial playback volume 0-100.</param>
/// <param name="MixerCard">Card for hardware volume (e.g. <c>hw:0</c>); null: software volume only.</param>
public sealed record AudioOptions(
    string CaptureDevice,
    string PlaybackDevice,
    MicArrayProfile MicProfile,
    int CaptureRate,
    int CaptureChannels,
    AlsaSampleFormat CaptureFormat,
    ChannelSelection Channel,
    int PeriodMs,
    int PlaybackRate,
    int PlaybackChannels,
    int Volume,
    string? MixerCard)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Audio";

    /// <summary>The capture settings (<paramref name="configurationFile"/>: a private asoundrc, for file PCMs in tests and demos).</summary>
    public AlsaCaptureOptions ToCaptureOptions(string? configurationFile = null) => new()
    {
        Device = CaptureDevice,
        ConfigurationFile = configurationFile,
        Profile = MicProfile,
        Selection = Channel,
        Format = CaptureFormat,
        SampleRate = CaptureRate,
        Channels = CaptureChannels,
        PeriodFrames = Math.Max(64, CaptureRate * PeriodMs / 1000),
    };

    /// <summary>The playback settings.</summary>
    public AlsaPlaybackOptions ToPlaybackOptions(string? configurationFile = null) => new()
    {
        Device = PlaybackDevice,
        ConfigurationFile = configurationFile,
        SampleRate = PlaybackRate,
        Channels = PlaybackChannels,
        Volume = Volume,
        MixerCard = MixerCard,
    };

    /// <summary>Reads and validates the section.</summary>
    public static AudioOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var profileId = r.GetString("MicProfile", MicArrayProfile.Generic.Id);
        var profile = MicArrayProfile.All.FirstOrDefault(p => p.Id.Equals(profileId.Trim(), StringComparison.OrdinalIgnoreCase));
        if (profile is null)
        {
            r.Error("MicProfile", $"'{profileId}' is not a known mic profile; use one of {string.Join(", ", MicArrayProfile.All.Select(p => p.Id))}.");
            profile = MicArrayProfile.Generic;
        }

        var channels = r.GetInt("CaptureChannels", profile.Channels, 1, 16);
        var selection = profile.DefaultSelection;
        var channelText = r.GetOptionalString("Channel");
        if (channelText is not null)
        {
            try
            {
                selection = channelText.Trim() == "-1" ? ChannelSelection.Downmix : ChannelSelection.Parse(channelText);
            }
            catch (FormatException ex)
            {
                r.Error("Channel", ex.Message);
            }
        }

        if (selection.Kind != ChannelSelectionKind.Downmix && selection.Channels.FirstOrDefault(c => c >= channels, -1) is var missing and >= 0)
        {
            r.Error("Channel", $"channel {missing} does not exist with CaptureChannels = {channels}; use 0..{channels - 1}, a list such as '0,1', or 'mix'.");
            selection = ChannelSelection.Downmix;
        }

        return new AudioOptions(
            r.GetString("CaptureDevice", "default"),
            r.GetString("PlaybackDevice", "default"),
            profile,
            r.GetInt("CaptureRate", profile.SampleRate, 8000, 192000),
            channels,
            r.GetEnum("CaptureFormat", profile.Format),
            selection,
            r.GetInt("PeriodMs", 20, 5, 200),
            r.GetInt("PlaybackRate", 48000, 8000, 192000),
            r.GetInt("PlaybackChannels", 1, 1, 2),
            r.GetInt("Volume", 100, 0, 100),
            r.GetOptionalString("MixerCard"));
    }
}

/// <summary>Speech-to-text engine.</summary>
public enum SttEngine
{
    /// <summary>whisper.cpp with a ggml model.</summary>
    Whisper,

    /// <summary>Grammar-constrained recognition (pocketsphinx) of the intents' phrases.</summary>
    Grammar,
}

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
public sealed record ModelsOptions(string Directory, string Vad, SttEngine Stt, string WhisperModel, int WhisperThreads, string Language, string TtsVoice, int TtsSpeaker, double TtsLengthScale, double GrammarRejectionThreshold = Models.Grammar.GrammarOptions.DefaultRejectionThreshold, bool? GrammarConcurrentPasses = null)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Models";

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
            r.GetBool("GrammarConcurrentPasses", Environment.ProcessorCount > 1));
    }
}

/// <summary>What turns a transcript into a reply.</summary>
public enum WorkflowKind
{
    /// <summary>Local intents file (phrases -> actions and replies).</summary>
    Intents,

    /// <summary>Publish the transcript over MQTT and speak what comes back (Home Assistant, Node-RED).</summary>
    Mqtt,

    /// <summary>Say the transcript back (tests and demos).</summary>
    Echo,
}

/// <summary>Section <c>Workflow</c>.</summary>
/// <param name="Kind">The workflow.</param>
/// <param name="IntentsFile">Intents file for <see cref="WorkflowKind.Intents"/> (default /etc/appliance/intents.json).</param>
/// <param name="ReplyTimeout">How long to wait for a reply (MQTT) before saying so.</param>
/// <param name="Greeting">Said when a session starts (empty: a tone or nothing).</param>
public sealed record WorkflowOptions(WorkflowKind Kind, string IntentsFile, TimeSpan ReplyTimeout, string Greeting)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Workflow";

    /// <summary>Reads and validates the section.</summary>
    public static WorkflowOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var kind = r.GetEnum("Kind", WorkflowKind.Intents);
        var intents = r.GetString("IntentsFile", "/etc/appliance/intents.json");
        return new WorkflowOptions(
            kind,
            intents,
            TimeSpan.FromSeconds(r.GetInt("ReplyTimeoutSeconds", 10, 1, 300)),
            r.GetString("Greeting", string.Empty, allowEmpty: true));
    }
}

/// <summary>Section <c>Service</c>: the daemon itself.</summary>
/// <param name="StateDirectory">Writable state (MQTT outbox); systemd's StateDirectory= sets $STATE_DIRECTORY.</param>
/// <param name="LogLevel">Minimum log level.</param>
public sealed record ServiceOptions(string StateDirectory, Microsoft.Extensions.Logging.LogLevel LogLevel)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Service";

    /// <summary>Reads and validates the section.</summary>
    public static ServiceOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new ServiceOptions(
            r.GetString("StateDirectory", Environment.GetEnvironmentVariable("STATE_DIRECTORY") ?? "/var/lib/appliance"),
            r.GetEnum("LogLevel", Microsoft.Extensions.Logging.LogLevel.Information));
    }
}
