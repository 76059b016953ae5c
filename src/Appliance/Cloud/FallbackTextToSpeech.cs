using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Models;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Cloud;

/// <summary>
/// Cloud text to speech with Piper as fallback, one sentence at a time (the pipeline's reply streamer asks per
/// sentence). A provider that fails before a sentence's first audio: Piper speaks that sentence. One that fails
/// after audio of the sentence was played: the sentence stays cut (nothing is repeated), and Piper continues from the
/// next one. Once a reply fell back, its remaining sentences stay with Piper; the breaker decides for later turns.
/// </summary>
public sealed partial class FallbackTextToSpeech(CloudTextToSpeech cloud, ITextToSpeech local, ILogger logger) : IReportingTextToSpeech
{
    /// <inheritdoc />
    public string Name => cloud.Name;

    /// <inheritdoc />
    public int SampleRate => local.SampleRate;

    /// <summary>The local engine.</summary>
    public ITextToSpeech Local => local;

    /// <inheritdoc />
    public IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, CancellationToken cancellationToken) =>
        SynthesizeAsync(text, options, new ProviderLog(), cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, ProviderLog providers, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(providers);
        var breaker = cloud.Endpoint.Breaker;
        if (providers.FellBackIn("tts"))
        {
            await foreach (var chunk in local.SynthesizeAsync(text, options, cancellationToken).ConfigureAwait(false))
            {
                yield return chunk;
            }

            yield break;
        }

        string reason;
        var played = false;
        if (!breaker.TryAcquire())
        {
            reason = "circuit_open";
        }
        else
        {
            CloudProviderException? failure = null;
            var enumerator = cloud.SynthesizeAsync(text, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    (var moved, failure) = await cloud.Endpoint.MoveNextAsync(enumerator, cloud.Name, cancellationToken).ConfigureAwait(false);
                    if (!moved)
                    {
                        break;
                    }

                    played = true;
                    yield return enumerator.Current;
                }
            }
            finally
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }

            if (failure is null)
            {
                breaker.Success();
                providers.Used("tts", cloud.Name);
                yield break;
            }

            breaker.Failure();
            reason = failure.Reason;
            LogFallback(logger, cloud.Name, failure.Reason, failure.Message, local.Name, played);
        }

        providers.FellBack("tts", cloud.Name, local.Name, played ? reason + " mid-sentence" : reason);
        if (played)
        {
            yield break; // this sentence was partly heard: the reply goes on with the next one, on Piper
        }

        await foreach (var chunk in local.SynthesizeAsync(text, options, cancellationToken).ConfigureAwait(false))
        {
            yield return chunk;
        }
    }

    [LoggerMessage(EventId = 185, Level = LogLevel.Warning, Message = "{Provider} failed ({Reason}): {Message}; speaking with {Local} (audio already played: {Played})")]
    private static partial void LogFallback(ILogger logger, string provider, string reason, string message, string local, bool played);
}
