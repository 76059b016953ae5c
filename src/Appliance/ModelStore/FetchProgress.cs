using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace VoiceAppliance.ModelStore;

/// <summary>Progress of a download: bytes so far and the total when known.</summary>
/// <param name="Entry">The model being fetched.</param>
/// <param name="Bytes">Bytes on disk so far, including a resumed part.</param>
/// <param name="Total">Total bytes when known.</param>
public readonly record struct FetchProgress(ModelEntry Entry, long Bytes, long? Total);
