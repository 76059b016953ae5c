using VoiceAppliance.Models;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// A speech-to-text chain (a cloud provider with a local fallback) that reports which engine served a turn and why
/// it fell back; <see cref="ProviderSelector"/> hands it the turn's <see cref="ProviderLog"/>.
/// </summary>
public interface IReportingSpeechToText : ISpeechToText
{
    /// <summary>Transcribes <paramref name="audio"/>, recording the provider used and any fallback in <paramref name="providers"/>.</summary>
    IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, ProviderLog providers, CancellationToken cancellationToken);
}
