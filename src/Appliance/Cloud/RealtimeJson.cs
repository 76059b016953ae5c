using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace VoiceAppliance.Cloud;

// The OpenAI Realtime API's events (WebSocket text messages), as far as the appliance sends and reads them. Client
// events are written with the beta field names the GA server still accepts; server events are read under both the
// beta and the GA names (response.audio.delta / response.output_audio.delta ...).

/// <summary><c>session.update</c>.</summary>
internal sealed class RealtimeSessionUpdate
{
    public string Type { get; set; } = "session.update";

    public RealtimeSessionConfig Session { get; set; } = new();
}

/// <summary>The session's configuration.</summary>
internal sealed class RealtimeSessionConfig
{
    public List<string> Modalities { get; set; } = ["audio", "text"];

    public string Instructions { get; set; } = string.Empty;

    public string Voice { get; set; } = "alloy";

    public string InputAudioFormat { get; set; } = "pcm16";

    public string OutputAudioFormat { get; set; } = "pcm16";

    public RealtimeTranscriptionConfig? InputAudioTranscription { get; set; }

    /// <summary>Always written: null turns the server's VAD off (the device ends each turn).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public RealtimeTurnDetection? TurnDetection { get; set; }

    public List<RealtimeTool>? Tools { get; set; }

    public string? ToolChoice { get; set; }
}

/// <summary>
/// <c>turn_detection</c>: <c>server_vad</c> (threshold, prefix_padding_ms, silence_duration_ms) or <c>semantic_vad</c>
/// (eagerness); the server creates the response at the end of the user's speech and interrupts its answer when the
/// user starts speaking.
/// </summary>
internal sealed class RealtimeTurnDetection
{
    public string Type { get; set; } = "server_vad";

    public double? Threshold { get; set; }

    public int? PrefixPaddingMs { get; set; }

    public int? SilenceDurationMs { get; set; }

    public string? Eagerness { get; set; }

    public bool CreateResponse { get; set; } = true;

    public bool InterruptResponse { get; set; } = true;
}

/// <summary><c>input_audio_transcription</c>.</summary>
internal sealed class RealtimeTranscriptionConfig
{
    public string Model { get; set; } = "whisper-1";
}

/// <summary>A function tool (flat, as the Realtime API takes it).</summary>
internal sealed class RealtimeTool
{
    public string Type { get; set; } = "function";

    public string Name { get; set; } = string.Empty;

    public string Description { get; set; } = string.Empty;

    public JsonObject Parameters { get; set; } = [];
}

/// <summary><c>input_audio_buffer.append</c>.</summary>
internal sealed class RealtimeAudioAppend
{
    public string Type { get; set; } = "input_audio_buffer.append";

    public string Audio { get; set; } = string.Empty;
}

/// <summary>An event with only a type: <c>input_audio_buffer.commit</c>, <c>response.create</c>, <c>response.cancel</c>.</summary>
internal sealed class RealtimeBareEvent
{
    public string Type { get; set; } = string.Empty;
}

/// <summary><c>conversation.item.truncate</c>: the server forgets the unheard rest of an answer.</summary>
internal sealed class RealtimeTruncate
{
    public string Type { get; set; } = "conversation.item.truncate";

    public string ItemId { get; set; } = string.Empty;

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int ContentIndex { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int AudioEndMs { get; set; }
}

/// <summary><c>conversation.item.create</c> with a <c>function_call_output</c> item.</summary>
internal sealed class RealtimeItemCreate
{
    public string Type { get; set; } = "conversation.item.create";

    public RealtimeFunctionOutput Item { get; set; } = new();
}

/// <summary>A tool's result.</summary>
internal sealed class RealtimeFunctionOutput
{
    public string Type { get; set; } = "function_call_output";

    public string CallId { get; set; } = string.Empty;

    public string Output { get; set; } = string.Empty;
}

/// <summary>Any server event, with the fields the appliance reads.</summary>
internal sealed class RealtimeServerEvent
{
    public string? Type { get; set; }

    public string? Delta { get; set; }

    public string? Transcript { get; set; }

    public string? ItemId { get; set; }

    public string? CallId { get; set; }

    public string? Name { get; set; }

    public string? Arguments { get; set; }

    public RealtimeServerError? Error { get; set; }

    public RealtimeServerResponse? Response { get; set; }
}

/// <summary>The <c>error</c> event's body.</summary>
internal sealed class RealtimeServerError
{
    public string? Type { get; set; }

    public string? Code { get; set; }

    public string? Message { get; set; }
}

/// <summary><c>response.done</c>'s response.</summary>
internal sealed class RealtimeServerResponse
{
    public string? Id { get; set; }

    public string? Status { get; set; }
}

/// <summary>Source-generated JSON for the Realtime events.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(RealtimeSessionUpdate))]
[JsonSerializable(typeof(RealtimeAudioAppend))]
[JsonSerializable(typeof(RealtimeBareEvent))]
[JsonSerializable(typeof(RealtimeTruncate))]
[JsonSerializable(typeof(RealtimeItemCreate))]
[JsonSerializable(typeof(RealtimeServerEvent))]
internal sealed partial class RealtimeJsonContext : JsonSerializerContext;
