using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>
/// Reads the intents file (<c>Workflow:IntentsFile</c>, default <c>/etc/appliance/intents.json</c>): the JSON form
/// of <see cref="IntentOptions"/>, for example
/// <code>
/// { "FallbackReply": "Sorry?", "Intents": [ { "Name": "GetTime", "Sentences": ["what time is it"],
///   "Reply": "It is {time}." } ] }
/// </code>
/// Errors name the file, the position and the problem; the options are validated after reading.
/// </summary>
public static class IntentsFile
{
    /// <summary>Loads and validates <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid intents JSON or fails validation.</exception>
    public static IntentOptions Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Intents file '{path}' does not exist. Fix: create it (see config/intents.json) or set Workflow:IntentsFile.", path);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses intents JSON; <paramref name="source"/> names it in errors.</summary>
    public static IntentOptions Parse(string json, string source)
    {
        IntentsFileDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize(json, IntentsJsonContext.Default.IntentsFileDto);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Intents file '{source}' is not valid: {ex.Message}", ex);
        }

        if (dto is null)
        {
            throw new InvalidDataException($"Intents file '{source}' is empty (null); expected an object with an \"Intents\" array.");
        }

        var defaults = new IntentOptions();
        var options = new IntentOptions
        {
            MinScore = dto.MinScore ?? defaults.MinScore,
            FallbackReply = dto.FallbackReply ?? defaults.FallbackReply,
            Intents = (dto.Intents ?? []).Select((intent, i) => new IntentDefinition
            {
                Name = intent.Name ?? string.Empty,
                Sentences = intent.Sentences ?? [],
                Reply = intent.Reply,
                ContinueSession = intent.ContinueSession ?? false,
                Actions = (intent.Actions ?? []).Select((action, a) => new IntentActionOptions
                {
                    Kind = action.Kind ?? throw new InvalidDataException($"Intents file '{source}': Intents:{i}:Actions:{a}:Kind is missing; allowed: {string.Join(", ", Enum.GetNames<IntentActionKind>())}."),
                    Topic = action.Topic,
                    Payload = action.Payload,
                    Value = action.Value,
                    Unit = action.Unit ?? "minutes",
                }).ToList(),
            }).ToList(),
        };

        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"Intents file '{source}': {ex.Message}", ex);
        }

        return options;
    }
}

/// <summary>Source-generated JSON for the intents file (AOT-safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    UseStringEnumConverter = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(IntentsFileDto))]
internal sealed partial class IntentsJsonContext : JsonSerializerContext;

// The file's shape with every field optional, so a missing field takes the option's default (source-generated
// deserialization of init-only records would set it to null/0 instead).
internal sealed class IntentsFileDto
{
    public List<IntentDto>? Intents { get; set; }

    public double? MinScore { get; set; }

    public string? FallbackReply { get; set; }
}

internal sealed class IntentDto
{
    public string? Name { get; set; }

    public List<string>? Sentences { get; set; }

    public string? Reply { get; set; }

    public List<IntentActionDto>? Actions { get; set; }

    public bool? ContinueSession { get; set; }
}

internal sealed class IntentActionDto
{
    public IntentActionKind? Kind { get; set; }

    public string? Topic { get; set; }

    public string? Payload { get; set; }

    public string? Value { get; set; }

    public string? Unit { get; set; }
}
