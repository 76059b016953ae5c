using System.Runtime.CompilerServices;
using VoiceAppliance.Models;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// A reply's voice that speaks its first sentence from a <see cref="SpeechPrefetch"/> when the sentence is the one
/// prefetched (same text, same default options), and synthesises everything else with the engine.
/// </summary>
internal sealed class PrefetchingTextToSpeech(ITextToSpeech inner, SpeechPrefetch prefetch) : ITextToSpeech
{
    private int _offered;

    /// <summary>The prefetched audio was played instead of a synthesis.</summary>
    public bool Used { get; private set; }

    /// <inheritdoc/>
    public string Name => inner.Name;

    /// <inheritdoc/>
    public int SampleRate => inner.SampleRate;

    /// <inheritdoc/>
    public async IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Only the reply's first sentence can be the prefetched one.
        if (Interlocked.Exchange(ref _offered, 1) == 0 && options is null && string.Equals(text, prefetch.Sentence, StringComparison.Ordinal))
        {
            var audio = await prefetch.Audio.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (prefetch.Failure is { } failure)
            {
                // The engine failed on this very sentence: the reply fails as it would have without the prefetch.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            if (audio is not null)
            {
                Used = true;
                foreach (var chunk in audio)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return chunk;
                }

                yield break;
            }
        }

        await foreach (var chunk in inner.SynthesizeAsync(text, options, cancellationToken).ConfigureAwait(false))
        {
            yield return chunk;
        }
    }
}
