namespace VoiceAppliance.Configuration;

// Sections for areas without their own options record yet (audio devices, model paths, workflow, the
// service), in a first shape with reasonable fields for the lead to reconcile. Each has a section name and
// a Read(ConfigSectionReader) that validates while reading. The pipeline (endpointing, barge-in) and MQTT
// sections belong to VoiceAppliance.Pipeline.PipelineOptions and VoiceAppliance.Mqtt.MqttOptions; they are
// registered here as sections owned elsewhere (see ApplianceConfiguration.AddOwnedElsewhere).

/// <summary>Section <c>Audio</c>: ALSA devices by name.</summary>
/// <param name="CaptureDevice">ALSA capture PCM (prefer <c>plughw:CARD=name</c> over card numbers).</param>
/// <param name="PlaybackDevice">ALSA playback PCM.</param>
/// <param name="CaptureRate">Capture sample rate (resampled to 16 kHz for speech).</param>
/// <param name="CaptureChannels">Channels opened on the capture device.</param>
/// <param name="Channel">Channel used for speech (0-based), or -1 to mix all channels.</param>
/// <param name="PeriodMs">ALSA period.</param>
/// <param name="Volume">Playback volume 0..1.</param>
public sealed record AudioOptions(string CaptureDevice, string PlaybackDevice, int CaptureRate, int CaptureChannels, int Channel, int PeriodMs, double Volume)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Audio";

    /// <summary>Reads and validates the section.</summary>
    public static AudioOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var channels = r.GetInt("CaptureChannels", 1, 1, 16);
        var channel = r.GetInt("Channel", 0, -1, 15);
        if (channel >= channels)
        {
            r.Error("Channel", $"channel {channel} does not exist with CaptureChannels = {channels}; use 0..{channels - 1}, or -1 to mix.");
        }

        return new AudioOptions(
            r.GetString("CaptureDevice", "default"),
            r.GetString("PlaybackDevice", "default"),
            r.GetInt("CaptureRate", 16000, 8000, 192000),
            channels,
            channel,
            r.GetInt("PeriodMs", 20, 5, 200),
            r.GetDouble("Volume", 1.0, 0, 1));
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
public sealed record ModelsOptions(string Directory, string Vad, SttEngine Stt, string WhisperModel, int WhisperThreads, string Language, string TtsVoice, int TtsSpeaker, double TtsLengthScale)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Models";

    /// <summary>A model path made absolute against <see cref="Directory"/>.</summary>
    public string Resolve(string file) => Path.IsPathRooted(file) ? file : Path.Combine(Directory, file);

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
            r.GetDouble("TtsLengthScale", 1.0, 0.25, 4.0));
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
