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
