using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace VoiceAppliance.ModelStore;

/// <summary>Result for one model, with a message for people.</summary>
/// <param name="Entry">The manifest entry.</param>
/// <param name="Status">What happened.</param>
/// <param name="Message">What happened, naming the file and, on failure, the fix.</param>
/// <param name="Sha256">The sha256 computed, when the file was read.</param>
public sealed record ModelResult(ModelEntry Entry, ModelStatus Status, string Message, string? Sha256 = null);
