using System.Text;
using System.Threading.Channels;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Text;

namespace VoiceAppliance.Pipeline;

/// <summary>What a streamed reply produced.</summary>
/// <param name="Text">All reply text.</param>
/// <param name="SynthesisTime">Time spent waiting for the TTS engine.</param>
/// <param name="AudioDuration">Duration of the synthesized audio.</param>
/// <param name="ChunksPlayed">Audio chunks handed to the speaker.</param>
internal sealed record ReplyResult(string Text, TimeSpan SynthesisTime, TimeSpan AudioDuration, int ChunksPlayed);

/// <summary>Callbacks from a streamed reply to the pipeline.</summary>
internal interface IReplyObserver
{
    /// <summary>The workflow produced its first text.</summary>
    void OnFirstText();

    /// <summary>The first audio is about to be written to the speaker (the pipeline goes to Speaking).</summary>
    void OnFirstAudio();

    /// <summary>A chunk was accepted by the speaker (progress, for the watchdog).</summary>
    void OnChunkPlayed(bool first);
}

/// <summary>
/// Streams one reply: workflow text -> sentences -> TTS (in order, while later text still generates) ->
/// speaker (the first sentence plays as soon as it is synthesized). Three stages joined by channels; a
/// failure or cancellation in one cancels all. Supports a soft-fade pause: fade out, then either resume
/// from where the listener was, or be cancelled.
/// </summary>
internal sealed class ReplyStreamer
{
    private const int AudioQueueChunks = 4;

    private readonly ITextToSpeech _tts;
    private readonly IAudioPlayback _playback;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly List<(AudioChunk Chunk, TimeSpan Start)> _written = [];
    private TimeSpan _totalWritten;
    private TimeSpan _baseOffset;
    private TaskCompletionSource? _resumed;
    private CancellationTokenSource? _writeCts;
    private TimeSpan _resumeFrom;
    private bool _replayPending;
    private readonly SynthesisOptions? _options;

    public ReplyStreamer(ITextToSpeech tts, IAudioPlayback playback, TimeProvider time, SynthesisOptions? options = null)
    {
        _options = options;
        _tts = tts;
        _playback = playback;
        _time = time;
    }

    /// <summary>Reply audio heard so far, as the speaker reports it.</summary>
    public TimeSpan Heard
    {
        get
        {
            lock (_gate)
            {
                return _resumed is not null ? _resumeFrom : _baseOffset + _playback.PlayedPosition;
            }
        }
    }

    public async Task<ReplyResult> RunAsync(IAsyncEnumerable<string> pieces, IReplyObserver observer, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sentences = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var audio = Channel.CreateBounded<AudioChunk>(new BoundedChannelOptions(AudioQueueChunks)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var text = new StringBuilder();
        var synthesis = new SynthesisTally();

        var produce = ProduceTextAsync(pieces, sentences.Writer, text, observer, cts);
        var synthesize = SynthesizeAsync(sentences.Reader, audio.Writer, synthesis, cts);
        var play = PlayAsync(audio.Reader, observer, cts, cancellationToken);
        try
        {
            await Task.WhenAll(produce, synthesize, play).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Surface the first real failure (the others are cancellations it caused).
            foreach (var task in new[] { produce, synthesize, play })
            {
                if (task.IsFaulted && task.Exception!.InnerException is PipelineStageException stage)
                {
                    throw stage;
                }
            }

            throw;
        }

        return new ReplyResult(text.ToString(), synthesis.Time, synthesis.Audio, _written.Count);
    }

    /// <summary>Soft-fade: fades the speaker out and holds playback until <see cref="Resume"/> or cancellation.</summary>
    public async ValueTask PauseAsync(TimeSpan fade, CancellationToken cancellationToken)
    {
        CancellationTokenSource? writeCts;
        lock (_gate)
        {
            if (_resumed is not null)
            {
                return;
            }

            _resumeFrom = _baseOffset + _playback.PlayedPosition;
            _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            writeCts = _writeCts;
        }

        if (writeCts is not null)
        {
            await writeCts.CancelAsync().ConfigureAwait(false);
        }

        if (fade > TimeSpan.Zero)
        {
            await _playback.FadeOutAsync(fade, cancellationToken).ConfigureAwait(false);
        }

        _playback.StopImmediately();
    }

    /// <summary>Soft-fade: the user stopped; continue the reply from where the fade began.</summary>
    public void Resume()
    {
        TaskCompletionSource? resumed;
        lock (_gate)
        {
            resumed = _resumed;
            _resumed = null;
            _replayPending = resumed is not null;
        }

        resumed?.TrySetResult();
    }

    private static async Task ProduceTextAsync(IAsyncEnumerable<string> pieces, ChannelWriter<string> writer, StringBuilder text, IReplyObserver observer, CancellationTokenSource cts)
    {
        var splitter = new SentenceSplitter();
        var ready = new List<string>();
        var first = true;
        try
        {
            await foreach (var piece in pieces.WithCancellation(cts.Token).ConfigureAwait(false))
            {
                if (string.IsNullOrEmpty(piece))
                {
                    continue;
                }

                if (first)
                {
                    first = false;
                    observer.OnFirstText();
                }

                text.Append(piece);
                splitter.Append(piece, ready);
                foreach (var sentence in ready)
                {
                    writer.TryWrite(sentence);
                }

                ready.Clear();
            }

            splitter.Flush(ready);
            foreach (var sentence in ready)
            {
                writer.TryWrite(sentence);
            }

            writer.TryComplete();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            writer.TryComplete();
            throw;
        }
        catch (Exception ex)
        {
            writer.TryComplete();
            await cts.CancelAsync().ConfigureAwait(false);
            throw new PipelineStageException(PipelineErrorSource.Workflow, ex);
        }
    }

    private async Task SynthesizeAsync(ChannelReader<string> sentences, ChannelWriter<AudioChunk> audio, SynthesisTally tally, CancellationTokenSource cts)
    {
        try
        {
            await foreach (var sentence in sentences.ReadAllAsync(cts.Token).ConfigureAwait(false))
            {
                var started = _time.GetTimestamp();
                await foreach (var chunk in _tts.SynthesizeAsync(sentence, _options, cts.Token).ConfigureAwait(false))
                {
                    tally.Time += _time.GetElapsedTime(started);
                    tally.Audio += TimeSpan.FromSeconds((double)chunk.Samples.Length / chunk.SampleRate);
                    await audio.WriteAsync(chunk, cts.Token).ConfigureAwait(false);
                    started = _time.GetTimestamp();
                }
            }

            audio.TryComplete();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            audio.TryComplete();
            throw;
        }
        catch (Exception ex)
        {
            audio.TryComplete();
            await cts.CancelAsync().ConfigureAwait(false);
            throw new PipelineStageException(PipelineErrorSource.Tts, ex);
        }
    }

    private async Task PlayAsync(ChannelReader<AudioChunk> audio, IReplyObserver observer, CancellationTokenSource cts, CancellationToken reply)
    {
        var first = true;
        try
        {
            while (true)
            {
                await HoldWhilePausedAsync(cts.Token).ConfigureAwait(false);
                if (!await audio.WaitToReadAsync(cts.Token).ConfigureAwait(false))
                {
                    break;
                }

                if (!audio.TryRead(out var chunk))
                {
                    continue;
                }

                if (first)
                {
                    observer.OnFirstAudio();
                }

                // The turn's own token, not only the linked ones: a barge-in cancels it (CancelAsync) and then stops the
                // speaker at once, while the linked tokens learn of it a moment later on the thread pool. A chunk
                // written in that moment would start after the stop and play (seen in CI: 2.8 s of a cut story).
                reply.ThrowIfCancellationRequested();
                CancellationToken writeToken;
                lock (_gate)
                {
                    _written.Add((chunk, _totalWritten));
                    _totalWritten += Duration(chunk.Samples.Length, chunk.SampleRate);
                    writeToken = WriteToken(cts.Token);
                }

                if (await WriteAsync(chunk.Samples, chunk.SampleRate, writeToken, cts.Token).ConfigureAwait(false))
                {
                    observer.OnChunkPlayed(first);
                    first = false;
                }
            }

            while (true)
            {
                await HoldWhilePausedAsync(cts.Token).ConfigureAwait(false);
                CancellationToken drainToken;
                lock (_gate)
                {
                    drainToken = WriteToken(cts.Token);
                }

                try
                {
                    await _playback.DrainAsync(drainToken).ConfigureAwait(false);
                    return;
                }
                catch (OperationCanceledException) when (!cts.IsCancellationRequested)
                {
                    // paused by a soft fade: wait for resume, replay, drain again
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested || reply.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            await cts.CancelAsync().ConfigureAwait(false);
            throw new PipelineStageException(PipelineErrorSource.Playback, ex);
        }
    }

    /// <summary>Writes; false if a soft-fade pause interrupted (the replay after resume covers the chunk).</summary>
    private async Task<bool> WriteAsync(ReadOnlyMemory<float> samples, int sampleRate, CancellationToken writeToken, CancellationToken replyToken)
    {
        try
        {
            await _playback.WriteAsync(samples, sampleRate, writeToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!replyToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private CancellationToken WriteToken(CancellationToken replyToken)
    {
        if (_writeCts is null || _writeCts.IsCancellationRequested)
        {
            _writeCts?.Dispose();
            _writeCts = CancellationTokenSource.CreateLinkedTokenSource(replyToken);
        }

        return _writeCts.Token;
    }

    private async Task HoldWhilePausedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task? wait;
            bool replay;
            TimeSpan from;
            lock (_gate)
            {
                wait = _resumed?.Task;
                replay = wait is null && _replayPending;
                from = _resumeFrom;
                if (replay)
                {
                    _replayPending = false;
                    _baseOffset = from;
                }
            }

            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!replay)
            {
                return;
            }

            // Write again what was queued but not heard when the fade began.
            (AudioChunk Chunk, TimeSpan Start)[] written;
            CancellationToken writeToken;
            lock (_gate)
            {
                written = [.. _written];
                writeToken = WriteToken(cancellationToken);
            }

            foreach (var (chunk, start) in written)
            {
                var end = start + Duration(chunk.Samples.Length, chunk.SampleRate);
                if (end <= from)
                {
                    continue;
                }

                var skip = from > start ? (int)Math.Min(chunk.Samples.Length, Math.Round((from - start).TotalSeconds * chunk.SampleRate)) : 0;
                if (!await WriteAsync(chunk.Samples[skip..], chunk.SampleRate, writeToken, cancellationToken).ConfigureAwait(false))
                {
                    break; // paused again; the loop waits and replays from the new position
                }
            }
        }
    }

    private static TimeSpan Duration(int samples, int rate) => TimeSpan.FromSeconds((double)samples / rate);

    private sealed class SynthesisTally
    {
        public TimeSpan Time { get; set; }

        public TimeSpan Audio { get; set; }
    }
}
