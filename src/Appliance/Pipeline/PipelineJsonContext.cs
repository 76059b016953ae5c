using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceAppliance.Pipeline;

/// <summary>Source-generated JSON for pipeline payloads.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PipelineEventPayload))]
public sealed partial class PipelineJsonContext : JsonSerializerContext;
