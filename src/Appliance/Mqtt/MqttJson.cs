using System.Text.Json.Serialization;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Mqtt;

/// <summary>The retained <c>&lt;base&gt;/state</c> payload.</summary>
internal sealed record StateMessage(
    PipelineState State,
    bool Muted,
    int Volume,
    IReadOnlyDictionary<string, string>? Versions,
    double UptimeS,
    long OutboxPending,
    long OutboxEvicted,
    long OutboxDelivered,
    string DeviceId,
    DateTimeOffset Timestamp)
{
    /// <summary>Device actions dropped undelivered because their time to live ran out.</summary>
    public long OutboxExpired { get; init; }

    /// <summary>Reports the broker refused (kept in the outbox, tried again after each reconnect).</summary>
    public long OutboxRefused { get; init; }
}

/// <summary>The <c>&lt;base&gt;/error</c> payload: bad input or a failed command.</summary>
internal sealed record ErrorMessage(string EventType, string Topic, string Reason, int PayloadBytes, string DeviceId, DateTimeOffset Timestamp)
{
    /// <summary>Bad inputs held back (rate limit) since the previous error message; absent when none.</summary>
    public long? Suppressed { get; init; }
}

/// <summary><c>say</c> as JSON.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record SayPayload(string? Text, string? Voice, int? Volume, string? Id);

/// <summary><c>reply</c>: an answer to a conversation request.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ReplyPayload(string? Id, string? Text, bool? Final, bool? Continue, string? Intent);

/// <summary><c>mute/set</c> as a JSON object.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record MutePayload(bool? Muted);

/// <summary><c>volume/set</c> as a JSON object.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record VolumePayload(double? Volume);

/// <summary><c>intercom/send</c> as a JSON object.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record TargetsPayload(string[]? Targets);

/// <summary>Rhasspy Hermes <c>hermes/tts/say</c>.</summary>
internal sealed record HermesSay(
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("siteId")] string? SiteId,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("lang")] string? Lang,
    [property: JsonPropertyName("volume")] double? Volume);

/// <summary>Rhasspy Hermes <c>hermes/dialogueManager/startSession</c>.</summary>
internal sealed record HermesStartSession([property: JsonPropertyName("siteId")] string? SiteId);

/// <summary>Rhasspy Hermes <c>hermes/tts/sayFinished</c>.</summary>
internal sealed record HermesSayFinished([property: JsonPropertyName("id")] string? Id, [property: JsonPropertyName("siteId")] string SiteId);

/// <summary>Rhasspy Hermes <c>hermes/dialogueManager/sessionStarted</c>.</summary>
internal sealed record HermesSessionStarted(
    [property: JsonPropertyName("sessionId")] string SessionId,
    [property: JsonPropertyName("siteId")] string SiteId,
    [property: JsonPropertyName("customData")] string? CustomData);

/// <summary>Rhasspy Hermes <c>hermes/dialogueManager/sessionEnded</c>.</summary>
internal sealed record HermesSessionEnded(
    [property: JsonPropertyName("sessionId")] string SessionId,
    [property: JsonPropertyName("siteId")] string SiteId,
    [property: JsonPropertyName("termination")] HermesTermination Termination);

/// <summary>Hermes session termination.</summary>
internal sealed record HermesTermination([property: JsonPropertyName("reason")] string Reason);

/// <summary>Rhasspy Hermes <c>hermes/asr/textCaptured</c>.</summary>
internal sealed record HermesTextCaptured(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("likelihood")] double Likelihood,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("siteId")] string SiteId,
    [property: JsonPropertyName("sessionId")] string SessionId);

/// <summary>Home Assistant device-based discovery (<c>homeassistant/device/&lt;id&gt;/config</c>, HA 2024.11+).</summary>
internal sealed record DiscoveryMessage(
    [property: JsonPropertyName("dev")] DiscoveryDevice Device,
    [property: JsonPropertyName("o")] DiscoveryOrigin Origin,
    [property: JsonPropertyName("cmps")] IReadOnlyDictionary<string, DiscoveryComponent> Components,
    string AvailabilityTopic,
    string PayloadAvailable,
    string PayloadNotAvailable,
    int Qos);

/// <summary>The device block of discovery.</summary>
internal sealed record DiscoveryDevice(
    [property: JsonPropertyName("ids")] string[] Identifiers,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("mf")] string Manufacturer,
    [property: JsonPropertyName("mdl")] string Model,
    [property: JsonPropertyName("sw")] string SoftwareVersion);

/// <summary>The origin block of discovery.</summary>
internal sealed record DiscoveryOrigin(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("sw")] string SoftwareVersion,
    [property: JsonPropertyName("url")] string? Url);

/// <summary>One entity of the device.</summary>
internal sealed record DiscoveryComponent
{
    [JsonPropertyName("p")]
    public required string Platform { get; init; }

    /// <summary>Null only in a retired entity's entry (<c>{"p":"sensor"}</c>), which tells Home Assistant to remove it.</summary>
    public string? UniqueId { get; init; }

    public string? Name { get; init; }

    public string? Icon { get; init; }

    public string? StateTopic { get; init; }

    public string? CommandTopic { get; init; }

    public string? ValueTemplate { get; init; }

    public string? JsonAttributesTopic { get; init; }

    public string? JsonAttributesTemplate { get; init; }

    public IReadOnlyList<string>? EventTypes { get; init; }

    public string? PayloadPress { get; init; }

    public string? PayloadOn { get; init; }

    public string? PayloadOff { get; init; }

    public string? StateOn { get; init; }

    public string? StateOff { get; init; }

    public double? Min { get; init; }

    public double? Max { get; init; }

    public double? Step { get; init; }

    public string? Mode { get; init; }

    public string? UnitOfMeasurement { get; init; }

    public string? EntityCategory { get; init; }
}

/// <summary>Pipeline states as snake_case strings ("idle", "listening"...).</summary>
internal sealed class PipelineStateJsonConverter : JsonStringEnumConverter<PipelineState>
{
    public PipelineStateJsonConverter() : base(System.Text.Json.JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    {
    }
}

/// <summary>Source-generated JSON for everything the MQTT service reads and writes (snake_case, nulls omitted).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(PipelineStateJsonConverter)],
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    MaxDepth = 16)]
[JsonSerializable(typeof(SessionEventReport))]
[JsonSerializable(typeof(ButtonEventReport))]
[JsonSerializable(typeof(IntentReport))]
[JsonSerializable(typeof(StateMessage))]
[JsonSerializable(typeof(ErrorMessage))]
[JsonSerializable(typeof(SayPayload))]
[JsonSerializable(typeof(ReplyPayload))]
[JsonSerializable(typeof(VoiceAppliance.Workflows.ConversationRequest))]
[JsonSerializable(typeof(MutePayload))]
[JsonSerializable(typeof(VolumePayload))]
[JsonSerializable(typeof(TargetsPayload))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(HermesSay))]
[JsonSerializable(typeof(HermesStartSession))]
[JsonSerializable(typeof(HermesSayFinished))]
[JsonSerializable(typeof(HermesSessionStarted))]
[JsonSerializable(typeof(HermesSessionEnded))]
[JsonSerializable(typeof(HermesTextCaptured))]
[JsonSerializable(typeof(DiscoveryMessage))]
internal sealed partial class MqttJsonContext : JsonSerializerContext;
