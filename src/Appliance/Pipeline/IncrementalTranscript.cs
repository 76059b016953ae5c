using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Models;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Whisper incremental speculation for one listening turn (<see cref="SpeculationOptions"/>): while the user speaks,
/// the front end offers every window (<see cref="OnSpeechLocked"/>, a comparison and nothing else until a window is
/// due); each <see cref="SpeculationOptions.CommitAfter"/> of new audio is copied (pooled) and decoded on the thread
/// pool with the text committed so far as the prompt, then committed. At most one decode is in flight; memory is the
/// one piece being decoded plus the committed text. At the endpoint, or in the pause before it, <see cref="TranscribeTailAsync"/>
/// cancels a decode still in flight (waiting for it and then decoding the tail would be two decodes after the
/// endpoint) and decodes only the audio after the last committed window. Everything stops when the turn is cancelled.
/// </summary>
internal sealed class IncrementalTranscript : IDisposable
{
    private const int SampleRate = 16000;

    /// <summary>Shortest tail whisper decodes (0.1 s, <see cref="Models.Whisper.WhisperOptions.MinAudio"/>); a shorter one adds nothing.</summary>
    private const int MinTailSamples = SampleRate / 10;

    private readonly Lock _sync = new();
    private readonly IIncrementalSpeechToText _stt;
    private readonly int _commitSamples;
    private readonly int _overlapSamples;
    private readonly int _maxRepeated;
    private readonly int _threads;
    private readonly CancellationTokenSource _cancel;
    private readonly ILogger _logger;
    private readonly string _sessionId;
    private string _text = string.Empty;
    private float _confidence = float.NaN;
    private int _committedEnd;
    private int _tailStart;
    private bool _tailOverlaps;
    private bool _busy;
    private bool _failed;
    private bool _disposed;
    private CancellationTokenSource? _inFlightCancel;
    private Task _inFlight = Task.CompletedTask;

    /// <summary>Speculation for a turn whose work is cancelled by <paramref name="turnToken"/>.</summary>
    public IncrementalTranscript(IIncrementalSpeechToText stt, SpeculationOptions options, int backgroundThreads, ILogger logger, string sessionId, CancellationToken turnToken)
    {
        _stt = stt;
        _commitSamples = (int)Math.Round(options.CommitAfter.TotalSeconds * SampleRate);
        _overlapSamples = (int)Math.Round(options.Overlap.TotalSeconds * SampleRate);

        // About four words a second, plus the word held back at a cut.
        _maxRepeated = 2 + (int)Math.Ceiling(options.Overlap.TotalSeconds * 4);
        _threads = backgroundThreads;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(turnToken);
        _logger = logger;
        _sessionId = sessionId;
    }

    /// <summary>Windows decoded and committed while the user spoke.</summary>
    public int Decodes { get; private set; }

    /// <summary>Samples of the utterance those windows covered (overlaps counted twice).</summary>
    public long DecodedSamples { get; private set; }

    /// <summary>Where the next piece (the tail) starts in the utterance, in samples.</summary>
    public int TailStart
    {
        get
        {
            lock (_sync)
            {
                return _tailStart;
            }
        }
    }

    /// <summary>The text committed so far.</summary>
    public string CommittedText
    {
        get
        {
            lock (_sync)
            {
                return _text;
            }
        }
    }

    /// <summary>Whether a background decode is running.</summary>
    public bool Busy
    {
        get
        {
            lock (_sync)
            {
                return _busy;
            }
        }
    }

    /// <summary>
    /// The user is still speaking and the utterance is <paramref name="length"/> samples of <paramref name="utterance"/>;
    /// <paramref name="pauseMiddle"/> is the middle of the latest VAD pause inside the speech (-1: none). Starts a
    /// background decode when <see cref="SpeculationOptions.CommitAfter"/> of new audio has come and none is running.
    /// Called on the audio thread under the pipeline's lock; allocates nothing unless a window is due.
    /// </summary>
    public void OnSpeechLocked(float[] utterance, int length, int pauseMiddle)
    {
        lock (_sync)
        {
            if (_busy || _failed || _disposed || length - _committedEnd < _commitSamples)
            {
                return;
            }

            // A pause well inside the new audio is a word boundary: the window ends there, and the next starts there.
            var atPause = pauseMiddle > _committedEnd + (_commitSamples / 2) && pauseMiddle <= length;
            var end = atPause ? pauseMiddle : length;
            var start = _tailStart;
            var count = end - start;
            var piece = ArrayPool<float>.Shared.Rent(count);
            Array.Copy(utterance, start, piece, 0, count);
            var cancel = _inFlightCancel = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token);
            var prompt = _text;
            var overlapped = _tailOverlaps;
            _busy = true;
            _inFlight = StartCommit(piece, count, end, atPause, prompt, overlapped, cancel);
        }
    }

    // Its own method: a lambda in OnSpeechLocked would allocate its closure on every call, due or not.
    private Task StartCommit(float[] piece, int count, int end, bool atPause, string prompt, bool overlapped, CancellationTokenSource cancel) =>
        Task.Run(() => CommitAsync(piece, count, end, atPause, prompt, overlapped, cancel), CancellationToken.None);

    /// <summary>
    /// Transcribes the utterance's tail after the last committed window, with the committed text as the prompt, and
    /// returns the whole text. A background decode still running is cancelled first at the endpoint
    /// (<paramref name="cancelInFlight"/>: the user has stopped, and waiting for it and then decoding the tail would be
    /// two decodes), and waited for in a pause (the user may go on speaking, and its window stays committed then).
    /// </summary>
    /// <param name="utterance">The whole utterance so far (at the endpoint or in the pause); not kept after the call returns.</param>
    /// <param name="cancellationToken">The endpoint's or the pause guess's cancellation.</param>
    /// <param name="cancelInFlight">Cancel a background decode in flight (the endpoint) rather than wait for it (a pause).</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public async Task<IncrementalResult> TranscribeTailAsync(ReadOnlyMemory<float> utterance, CancellationToken cancellationToken, bool cancelInFlight = true)
    {
        Task running;
        lock (_sync)
        {
            if (cancelInFlight)
            {
                // The endpoint came during a background decode: stop it; the tail starts where the last commit left off.
                _inFlightCancel?.Cancel();
            }

            running = _inFlight;
        }

        // Never two decodes at once: a cancelled one stops at ggml's next abort check, a running one commits its window.
        await running.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        int start;
        string committed;
        bool overlapped;
        float confidence;
        int decodes;
        lock (_sync)
        {
            start = Math.Min(_tailStart, utterance.Length);
            committed = _text;
            overlapped = _tailOverlaps;
            confidence = _confidence;
            decodes = Decodes;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var tail = utterance[start..];
        if (tail.Length < MinTailSamples)
        {
            return new IncrementalResult(committed, Clamp(confidence), TimeSpan.Zero, decodes, 0);
        }

        var (text, tailConfidence) = await CollectAsync(_stt.TranscribeContinuationAsync(tail, committed, 0, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var whole = TranscriptStitcher.Append(committed, text, overlapped, _maxRepeated);
        return new IncrementalResult(whole, Clamp(MinConfidence(confidence, tailConfidence)), System.Diagnostics.Stopwatch.GetElapsedTime(started), decodes, tail.Length);
    }

    /// <summary>Stops any background decode for good (the turn's listening ended without speech, or the turn ended).</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _cancel.Cancel();
            _cancel.Dispose();
        }
    }

    private async Task CommitAsync(float[] piece, int count, int end, bool atPause, string prompt, bool overlapped, CancellationTokenSource cancel)
    {
        try
        {
            var (text, confidence) = await CollectAsync(_stt.TranscribeContinuationAsync(piece.AsMemory(0, count), prompt, _threads, cancel.Token)).ConfigureAwait(false);
            lock (_sync)
            {
                if (cancel.IsCancellationRequested)
                {
                    return; // the tail decode took over from the last commit
                }

                // Cut where the speech was: the last word may be cut too; the next piece starts before it and hears it whole.
                _text = TranscriptStitcher.Append(_text, atPause ? text : TranscriptStitcher.DropLastWord(text), overlapped, _maxRepeated);
                _confidence = MinConfidence(_confidence, confidence);
                _committedEnd = end;
                _tailStart = atPause ? end : Math.Max(end - _overlapSamples, end - count);
                _tailOverlaps = !atPause;
                Decodes++;
                DecodedSamples += count;
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Superseded by the tail decode, or the turn ended.
        }
        catch (Exception ex)
        {
            // A failing engine is not asked again during this turn; the endpoint decodes from the last commit.
            PipelineLog.SpeculationFailed(_logger, ex, _sessionId);
            lock (_sync)
            {
                _failed = true;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(piece);
            lock (_sync)
            {
                _busy = false;
                if (ReferenceEquals(_inFlightCancel, cancel))
                {
                    _inFlightCancel = null;
                }
            }

            cancel.Dispose();
        }
    }

    private static async Task<(string Text, float Confidence)> CollectAsync(IAsyncEnumerable<TranscriptSegment> segments)
    {
        var text = new StringBuilder();
        var confidence = float.NaN;
        await foreach (var segment in segments.ConfigureAwait(false))
        {
            if (!TranscriptPieces.Append(text, segment.Text))
            {
                continue;
            }

            confidence = MinConfidence(confidence, segment.Confidence);
        }

        return (text.ToString(), confidence);
    }

    private static float MinConfidence(float a, float b) => float.IsNaN(a) ? b : float.IsNaN(b) ? a : Math.Min(a, b);

    private static float Clamp(float c) => float.IsNaN(c) ? 0f : Math.Clamp(c, 0f, 1f);
}

/// <summary>
/// What an incremental transcription heard: the whole text, its lowest confidence, the tail decode's time, the windows
/// committed while the user spoke, and the samples of the tail decoded at the end (0: nothing was left).
/// </summary>
internal sealed record IncrementalResult(string Text, float Confidence, TimeSpan TailTime, int Decodes, int TailSamples);
