namespace VoiceAppliance.Mqtt;

/// <summary>The topic names of one device (base <c>&lt;TopicPrefix&gt;/&lt;DeviceId&gt;</c>).</summary>
internal sealed class MqttTopics
{
    public MqttTopics(MqttOptions options)
    {
        Prefix = options.TopicPrefix;
        DeviceId = options.EffectiveDeviceId;
        Base = options.BaseTopic;
        Availability = Base + "/availability";
        State = Base + "/state";
        SessionEvents = Base + "/event/session";
        ButtonEvents = Base + "/event/button";
        Error = Base + "/error";
        ConversationRequest = Base + "/conversation/request";
        CommandPrefix = Base + "/cmd/";
        CommandFilter = Base + "/cmd/#";
        Discovery = options.DiscoveryPrefix + "/device/" + DeviceId + "/config";
        // Home Assistant's birth message is always on homeassistant/status, whatever its discovery prefix; a custom
        // prefix's status topic is listened to as well.
        HomeAssistantStatusTopics = options.DiscoveryPrefix == DefaultDiscoveryPrefix
            ? [HomeAssistantStatus]
            : [HomeAssistantStatus, options.DiscoveryPrefix + "/status"];
    }

    public string Prefix { get; }

    public string DeviceId { get; }

    public string Base { get; }

    public string Availability { get; }

    public string State { get; }

    public string SessionEvents { get; }

    public string ButtonEvents { get; }

    public string Error { get; }

    public string CommandPrefix { get; }

    /// <summary><c>&lt;base&gt;/conversation/request</c>: transcripts for <c>Workflow:Kind = mqtt</c> (answered on <c>cmd/reply</c>).</summary>
    public string ConversationRequest { get; }

    public string CommandFilter { get; }

    public string Discovery { get; }

    /// <summary>Where Home Assistant announces itself (birth message <c>online</c>), always.</summary>
    public const string HomeAssistantStatus = "homeassistant/status";

    public const string DefaultDiscoveryPrefix = "homeassistant";

    /// <summary><see cref="HomeAssistantStatus"/>, plus <c>&lt;DiscoveryPrefix&gt;/status</c> with a custom prefix.</summary>
    public IReadOnlyList<string> HomeAssistantStatusTopics { get; }

    /// <summary>The retained topics this device publishes with these options: availability, state, and discovery when on.</summary>
    public IReadOnlyList<string> RetainedTopics(bool discovery) => discovery ? [Discovery, State, Availability] : [State, Availability];

    public string Command(string name) => CommandPrefix + name;

    public string Intent(string name) => Base + "/intent/" + MqttOptions.SanitizeId(name);

    /// <summary>Where another device of the same prefix receives intercom audio from this one.</summary>
    public string IntercomPlayFor(string targetDeviceId) => Prefix + "/" + targetDeviceId + "/cmd/intercom/play/" + DeviceId;

    public const string HermesTextCaptured = "hermes/asr/textCaptured";
    public const string HermesSay = "hermes/tts/say";
    public const string HermesSayFinished = "hermes/tts/sayFinished";
    public const string HermesStartSession = "hermes/dialogueManager/startSession";
    public const string HermesSessionStarted = "hermes/dialogueManager/sessionStarted";
    public const string HermesSessionEnded = "hermes/dialogueManager/sessionEnded";
}
