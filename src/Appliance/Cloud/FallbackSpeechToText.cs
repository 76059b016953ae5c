using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Models;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Cloud;

/// <summary>
/// Cloud speech to text with the local engine (grammar or Whisper) as fallback on the same audio: when the provider
/// fails (error, timeout, bad answer) or its circuit is open, the local engine transcribes the utterance, and the
/// turn reports <c>fallback_reason</c>. The cloud answer is taken whole before it is yielded, so a failure never
/// leaves half a transcript.
/// </summary>
public sealed partial class FallbackSpeechToText(CloudSpeechToText cloud, ISpeechToText local, ILogger logger) : IReportingSpeechToText
{
    /// <inheritdoc />
    public string Name => cloud.Name;

    /// <summary>The local engine.</summary>
    public ISpeechToText Local => local;

    /// <inheritdoc />
    public IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken) =>
        TranscribeAsync(audio, new ProviderLog(), cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, ProviderLog providers, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(providers);
        var breaker = cloud.Endpoint.Breaker;
        string reason;
        if (!breaker.TryAcquire())
        {
            reason = "circuit_open";
        }
        else
        {
            List<TranscriptSegment>? segments = null;
            CloudProviderException? failure = null;
            try
            {
                segments = [];
                await foreach (var segment in cloud.TranscribeAsync(audio, cancellationToken).ConfigureAwait(false))
                {
                    segments.Add(segment);
                }
            }
            catch (CloudProviderException ex)
            {
                failure = ex;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = new CloudProviderException("error", $"{cloud.Name}: {ex.GetType().Name}: {cloud.Endpoint.Redact(ex.Message)}", ex);
            }

            if (failure is null)
            {
                breaker.Success();
                providers.Used("stt", cloud.Name);
                foreach (var segment in segments!)
                {
                    yield return segment;
                }

                yield break;
            }

            breaker.Failure();
            reason = failure.Reason;
            LogFallback(logger, cloud.Name, failure.Reason, failure.Message, local.Name);
        }

        providers.FellBack("stt", cloud.Name, local.Name, reason);
        await foreach (var segment in local.TranscribeAsync(audio, cancellationToken).ConfigureAwait(false))
        {
            yield return segment;
        }
    }

    [LoggerMessage(EventId = 184, Level = LogLevel.Warning, Message = "{Provider} failed ({Reason}): {Message}; transcribing with {Local}")]
    private static partial void LogFallback(ILogger logger, string provider, string reason, string message, string local);
}
