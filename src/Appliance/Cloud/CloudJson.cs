using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace VoiceAppliance.Cloud;

// The OpenAI-compatible wire shapes this client writes and reads (snake_case by the context's policy). Internal
// data holders for System.Text.Json source generation (no reflection).

/// <summary><c>POST /chat/completions</c> body.</summary>
internal sealed class ChatRequest
{
    public string Model { get; set; } = string.Empty;

    public List<ChatMessage> Messages { get; set; } = [];

    public bool Stream { get; set; } = true;

    public List<ToolDefinition>? Tools { get; set; }

    public string? ToolChoice { get; set; }
}

/// <summary>One message of a conversation.</summary>
internal sealed class ChatMessage
{
    public string Role { get; set; } = string.Empty;

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Content { get; set; }

    public List<ToolCall>? ToolCalls { get; set; }

    public string? ToolCallId { get; set; }
}

/// <summary>A tool call the assistant made.</summary>
internal sealed class ToolCall
{
    public string Id { get; set; } = string.Empty;

    public string Type { get; set; } = "function";

    public FunctionCall Function { get; set; } = new();
}

/// <summary>A function name and its JSON arguments (as text, as the API sends them).</summary>
internal sealed class FunctionCall
{
    public string? Name { get; set; }

    public string? Arguments { get; set; }
}

/// <summary>A tool offered to the model.</summary>
internal sealed class ToolDefinition
{
    public string Type { get; set; } = "function";

    public FunctionDefinition Function { get; set; } = new();
}

/// <summary>A function offered to the model: name, description and a JSON schema of its parameters.</summary>
internal sealed class FunctionDefinition
{
    public string Name { get; set; } = string.Empty;

    public string Description { get; set; } = string.Empty;

    public JsonObject Parameters { get; set; } = [];
}

/// <summary>One server-sent event of a streamed completion.</summary>
internal sealed class ChatChunk
{
    public List<ChunkChoice>? Choices { get; set; }

    public ApiError? Error { get; set; }
}

/// <summary>A choice in a chunk.</summary>
internal sealed class ChunkChoice
{
    public int Index { get; set; }

    public ChatDelta? Delta { get; set; }

    public string? FinishReason { get; set; }
}

/// <summary>What a chunk adds to the message.</summary>
internal sealed class ChatDelta
{
    public string? Role { get; set; }

    public string? Content { get; set; }

    public List<ToolCallDelta>? ToolCalls { get; set; }
}

/// <summary>A piece of a tool call (the arguments arrive in fragments).</summary>
internal sealed class ToolCallDelta
{
    public int Index { get; set; }

    public string? Id { get; set; }

    public string? Type { get; set; }

    public FunctionCall? Function { get; set; }
}

/// <summary>An error body, <c>{"error":{"message":...}}</c>.</summary>
internal sealed class ApiErrorBody
{
    public ApiError? Error { get; set; }
}

/// <summary>The error itself.</summary>
internal sealed class ApiError
{
    public string? Message { get; set; }

    public string? Type { get; set; }
}

/// <summary><c>/audio/transcriptions</c> answer with <c>response_format=json</c>.</summary>
internal sealed class TranscriptionResponse
{
    public string? Text { get; set; }
}

/// <summary><c>POST /audio/speech</c> body.</summary>
internal sealed class SpeechRequest
{
    public string Model { get; set; } = string.Empty;

    public string Input { get; set; } = string.Empty;

    public string Voice { get; set; } = string.Empty;

    public string ResponseFormat { get; set; } = "pcm";

    public double Speed { get; set; } = 1;
}

/// <summary>Source-generated serialisation of the cloud wire shapes.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(ChatChunk))]
[JsonSerializable(typeof(ApiErrorBody))]
[JsonSerializable(typeof(TranscriptionResponse))]
[JsonSerializable(typeof(SpeechRequest))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class CloudJsonContext : JsonSerializerContext;
