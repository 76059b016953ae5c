using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceAppliance.ModelStore;

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
