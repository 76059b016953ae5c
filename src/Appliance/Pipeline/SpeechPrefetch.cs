using VoiceAppliance.Models;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// The first sentence of a reply, synthesised while the turn is not yet confirmed (issue 17): when a pause's guess is
/// an accepted command whose reply the workflow can preview (<see cref="Workflows.IVoiceWorkflow.PreviewReply"/>),
/// its first sentence is synthesised at once, and the reply uses that audio if the guess becomes the transcript and
/// the reply starts with the same sentence. Nothing else happens before the turn is confirmed: the workflow's
/// actions run only with the turn. Dropped (cancelled, never played) when the user speaks again or the turn ends
/// another way.
/// </summary>
internal sealed class SpeechPrefetch
{
    private readonly CancellationTokenSource _cancel;

    private SpeechPrefetch(string sentence, CancellationTokenSource cancel)
    {
        Sentence = sentence;
        _cancel = cancel;
    }

    /// <summary>The sentence synthesised.</summary>
    public string Sentence { get; }

    /// <summary>The sentence's audio, or null when it was dropped or failed (see <see cref="Failure"/>).</summary>
    public Task<AudioChunk[]?> Audio { get; private set; } = Task.FromResult<AudioChunk[]?>(null);

    /// <summary>Why the synthesis failed (not cancelled), once <see cref="Audio"/> completed; null otherwise.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Starts synthesising <paramref name="sentence"/> on the thread pool, cancelled with <paramref name="turnToken"/>.</summary>
    public static SpeechPrefetch Start(ITextToSpeech tts, string sentence, CancellationToken turnToken)
    {
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(turnToken);
        var prefetch = new SpeechPrefetch(sentence, cancel);
        var token = cancel.Token;
        prefetch.Audio = Task.Run(() => prefetch.SynthesizeAsync(tts, sentence, token), CancellationToken.None);
        _ = prefetch.Audio.ContinueWith(static (_, s) => ((CancellationTokenSource)s!).Dispose(), cancel, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return prefetch;
    }

    /// <summary>Drops the audio (the guess was dropped); nothing when it already finished.</summary>
    public void Cancel()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished: the pipeline no longer refers to it, so it is never played.
        }
    }

    private async Task<AudioChunk[]?> SynthesizeAsync(ITextToSpeech tts, string sentence, CancellationToken token)
    {
        try
        {
            var chunks = new List<AudioChunk>(1);
            await foreach (var chunk in tts.SynthesizeAsync(sentence, null, token).ConfigureAwait(false))
            {
                chunks.Add(chunk);
            }

            return token.IsCancellationRequested ? null : [.. chunks];
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            // The reply that uses this prefetch fails with it, as it would have synthesising the sentence itself.
            Failure = ex;
            return null;
        }
    }
}
