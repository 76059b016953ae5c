using System.Text;
using VoiceAppliance.Models;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// A speculative transcription of the utterance so far, started when the user paused (see
/// <see cref="TurnRunner.SpeculateOnPauseLocked"/>). It publishes nothing: it becomes the turn's transcript only if
/// the silence ends the utterance with no new speech (<see cref="SessionController.EndListeningLocked"/>), and is
/// cancelled when the user speaks again, the turn ends otherwise, or the turn is cancelled.
/// </summary>
internal sealed class Speculation : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    private Speculation(int samples) => Samples = samples;

    /// <summary>Samples of the utterance it transcribes.</summary>
    public int Samples { get; }

    /// <summary>
    /// The pause's guess is judged when it arrives (<see cref="TurnRunner"/>: end now, wait longer, or the window):
    /// until <see cref="Judged"/>, a silence window that runs out holds the pause for it (<see cref="AudioFrontEnd"/>).
    /// False for whisper's tail guess, which is never judged.
    /// </summary>
    public bool AwaitsJudgement { get; private init; }

    /// <summary>The guess was judged (or came to nothing); set under the controller's lock.</summary>
    public bool Judged { get; set; }

    /// <summary>The guess: null when it was cancelled or failed (then the endpoint transcribes as usual).</summary>
    public Task<SpeculativeTranscript?> Result { get; private set; } = Task.FromResult<SpeculativeTranscript?>(null);

    /// <summary>
    /// Starts transcribing a copy of <paramref name="audio"/> on the thread pool; its last <paramref name="trailingSilence"/>
    /// samples are the pause the VAD heard (after its last voiced window).
    /// </summary>
    public static Speculation Start(ISpeechToText stt, ReadOnlyMemory<float> audio, int trailingSilence, PipelineTurn turn, SessionController c)
    {
        var speculation = new Speculation(audio.Length) { AwaitsJudgement = true };

        // A copy: the front end's utterance buffer is reused by the next utterance while this may still run.
        var copy = audio.ToArray();
        var replyToken = turn.ReplyCts.Token;
        var own = speculation._cancel.Token;
        var lastVoiced = TimeSpan.FromSeconds(Math.Max(0, copy.Length - trailingSilence) / (double)c.SampleRate);
        speculation.Result = Task.Run(() => RunAsync(stt, copy, lastVoiced, turn, c, replyToken, own), CancellationToken.None);
        _ = speculation.Result.ContinueWith(static (_, s) => ((Speculation)s!).Dispose(), speculation, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return speculation;
    }

    /// <summary>
    /// Starts the pause guess of an incremental transcription (whisper, <see cref="IncrementalTranscript"/>): only the
    /// tail after the last committed window of a copy of <paramref name="audio"/> is decoded, on the thread pool.
    /// </summary>
    public static Speculation StartTail(IncrementalTranscript incremental, ReadOnlyMemory<float> audio, PipelineTurn turn, SessionController c)
    {
        var speculation = new Speculation(audio.Length);
        var copy = audio.ToArray();
        var replyToken = turn.ReplyCts.Token;
        var own = speculation._cancel.Token;
        speculation.Result = Task.Run(() => RunTailAsync(incremental, copy, turn, c, replyToken, own), CancellationToken.None);
        _ = speculation.Result.ContinueWith(static (_, s) => ((Speculation)s!).Dispose(), speculation, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return speculation;
    }

    /// <summary>Drops the guess (the user spoke again, or the utterance ended another way); nothing when it already finished.</summary>
    public void Cancel()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The transcription already finished (and released its source): there is nothing left to stop.
        }
    }

    /// <summary>Releases the cancellation source; done by itself when the transcription finishes.</summary>
    public void Dispose() => _cancel.Dispose();

    private static async Task<SpeculativeTranscript?> RunAsync(ISpeechToText stt, float[] audio, TimeSpan lastVoiced, PipelineTurn turn, SessionController c, CancellationToken reply, CancellationToken own)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(reply, own);
        var started = c.Time.GetTimestamp();
        var text = new StringBuilder();
        var confidence = 1f;
        var segments = 0;
        try
        {
            if (stt is ISpeculativeSpeechToText guesser)
            {
                var guess = await guesser.GuessAsync(audio, linked.Token).ConfigureAwait(false);
                return linked.IsCancellationRequested ? null : new SpeculativeTranscript(guess.Text.Trim(), guess.Confidence, c.Time.GetElapsedTime(started), guess.Unfinished)
                {
                    SpokenPrefix = PauseGuessJudgement.SpokenPrefix(guess, lastVoiced),
                };
            }

            await foreach (var segment in stt.TranscribeAsync(audio, linked.Token).ConfigureAwait(false))
            {
                if (!TranscriptPieces.Append(text, segment.Text))
                {
                    continue;
                }

                confidence = Math.Min(confidence, segment.Confidence);
                segments++;
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            PipelineLog.SpeculationFailed(c.Logger, ex, turn.Session.Id);
            return null;
        }

        return linked.IsCancellationRequested ? null : new SpeculativeTranscript(text.ToString(), segments > 0 ? confidence : 0f, c.Time.GetElapsedTime(started));
    }

    private static async Task<SpeculativeTranscript?> RunTailAsync(IncrementalTranscript incremental, float[] audio, PipelineTurn turn, SessionController c, CancellationToken reply, CancellationToken own)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(reply, own);
        try
        {
            var result = await incremental.TranscribeTailAsync(audio, linked.Token, cancelInFlight: false).ConfigureAwait(false);
            return linked.IsCancellationRequested ? null : new SpeculativeTranscript(result.Text, result.Confidence, result.TailTime) { Incremental = result };
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            PipelineLog.SpeculationFailed(c.Logger, ex, turn.Session.Id);
            return null;
        }
    }
}

/// <summary>
/// What a speculative transcription heard: the text (empty when the engine rejected the audio), the lowest segment
/// confidence, the decode time, and whether the engine judged the audio an unfinished command (<see cref="SpeechGuess.Unfinished"/>).
/// </summary>
internal sealed record SpeculativeTranscript(string Text, float Confidence, TimeSpan SttTime, bool Unfinished = false)
{
    /// <summary>For an incremental (whisper) guess: the windows committed while the user spoke and the tail decoded in the pause.</summary>
    public IncrementalResult? Incremental { get; init; }

    /// <summary>
    /// When the engine's best path ends in a word that lies in the pause, after the VAD's last voiced frame (a word
    /// the grammar forced onto the silence): the words before it (<see cref="PauseGuessJudgement"/>); null otherwise.
    /// </summary>
    public string? SpokenPrefix { get; init; }
}
