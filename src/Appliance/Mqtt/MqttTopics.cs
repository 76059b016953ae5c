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
        HomeAssistantStatus = options.DiscoveryPrefix + "/status";
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

    public string HomeAssistantStatus { get; }

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
