using VoiceAppliance.Models;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// A text-to-speech chain (a cloud provider with a local fallback) that reports which engine spoke and why it fell
/// back; the turn's <see cref="ProviderLog"/> also carries the decision from one sentence of a reply to the next
/// (after a failure mid-reply, the rest of the reply stays local).
/// </summary>
public interface IReportingTextToSpeech : ITextToSpeech
{
    /// <summary>Synthesizes one sentence, recording the provider used and any fallback in <paramref name="providers"/>.</summary>
    IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, ProviderLog providers, CancellationToken cancellationToken);
}
