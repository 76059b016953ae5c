using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceAppliance.ModelStore;

/// <summary>One known model file: where it lives under models/, how big it is, its sha256, licence and source.</summary>
public sealed record ModelEntry
{
    /// <summary>Name used on the command line (<c>appliance models fetch NAME</c>).</summary>
    public required string Name { get; init; }

    /// <summary>What the model is for: vad, stt, tts, sample.</summary>
    public required string Kind { get; init; }

    /// <summary>Path under the models directory.</summary>
    public required string File { get; init; }

    /// <summary>Size in bytes, when known.</summary>
    public long? Size { get; init; }

    /// <summary>Lower-case hex sha256, when pinned.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Licence of the weights.</summary>
    public required string License { get; init; }

    /// <summary>Download URL for models fetched at install time; null for provisioned ones.</summary>
    public Uri? Url { get; init; }

    /// <summary>Where a provisioned model comes from (package registry and path).</summary>
    public string? Source { get; init; }

    /// <summary>Free-form remark.</summary>
    public string? Note { get; init; }
}

/// <summary>models/manifest.json: the models the appliance knows.</summary>
public sealed record ModelManifest
{
    /// <summary>Manifest format version.</summary>
    public int Schema { get; init; }

    /// <summary>Known model files.</summary>
    public IReadOnlyList<ModelEntry> Models { get; init; } = [];

    /// <summary>Finds an entry by name (ordinal), or null.</summary>
    public ModelEntry? Find(string name) => Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.Ordinal));

    /// <summary>Loads and validates a manifest; errors name the file and the problem.</summary>
    public static ModelManifest Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        ModelManifest? manifest;
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            manifest = JsonSerializer.Deserialize(stream, ModelManifestJsonContext.Default.ModelManifest);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Model manifest '{path}' is not valid JSON: {ex.Message}", ex);
        }

        if (manifest is null || manifest.Schema != 1)
        {
            throw new InvalidDataException($"Model manifest '{path}' has schema {manifest?.Schema}; this appliance reads schema 1.");
        }

        foreach (var m in manifest.Models)
        {
            if (m.Sha256 is { } sha && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower)))
            {
                throw new InvalidDataException($"Model manifest '{path}': entry '{m.Name}' has sha256 '{sha}'; expected 64 lower-case hex digits.");
            }

            if (m.File.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(m.File))
            {
                throw new InvalidDataException($"Model manifest '{path}': entry '{m.Name}' has file '{m.File}'; expected a relative path inside the models directory.");
            }
        }

        return manifest;
    }
}

/// <summary>Source-generated JSON for the manifest (AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ModelManifest))]
internal sealed partial class ModelManifestJsonContext : JsonSerializerContext;
