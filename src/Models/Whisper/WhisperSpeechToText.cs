using System.Runtime.CompilerServices;
using Whisper.net;

namespace VoiceAppliance.Models.Whisper;

/// <summary>
/// Whisper speech to text over a loaded <see cref="WhisperModel"/>, on Whisper.net. Each utterance gets its own
/// <see cref="WhisperProcessor"/> (a fresh whisper.cpp state) and runs on the worker thread Whisper.net starts;
/// segments stream out of <see cref="WhisperProcessor.ProcessAsync(ReadOnlyMemory{float}, CancellationToken)"/> as
/// whisper.cpp finalises them, and cancellation reaches the native computation through Whisper.net's abort
/// callback, which observes the token (ggml checks it between graph nodes).
/// </summary>
public sealed class WhisperSpeechToText : IIncrementalSpeechToText
{
    private const int SampleRate = 16000;

    private readonly WhisperModel _model;
    private readonly WhisperOptions _options;

    /// <summary>Creates an engine over <paramref name="model"/> (not owned) with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public WhisperSpeechToText(WhisperModel model, WhisperOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = options ?? new WhisperOptions();
        _options.Validate();
        if (_options.Language == "auto" && !model.IsMultilingual)
        {
            throw new ArgumentException($"Whisper Language \"auto\" needs a multilingual model; '{model.Path}' is English-only. Set Language to \"en\" or load a multilingual model.", nameof(options));
        }
    }

    /// <inheritdoc />
    public string Name => "whisper";

    /// <summary>The options this engine decodes with.</summary>
    public WhisperOptions Options => _options;

    /// <summary>Test hook: called on the native worker thread when whisper.cpp starts encoding a window.</summary>
    internal Action? EncoderStarting { get; init; }

    /// <summary>
    /// Transcribes one utterance of 16 kHz mono audio. Segments are yielded as whisper.cpp finalises them;
    /// their times are clamped to the audio (whisper pads every window to 30 s). Stopping the enumeration early
    /// aborts the native run; either way the run has ended when the enumeration completes or throws.
    /// </summary>
    /// <exception cref="ArgumentException">The audio is shorter than <see cref="WhisperOptions.MinAudio"/> or longer than <see cref="WhisperOptions.MaxAudio"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the native computation has stopped when this is thrown.</exception>
    /// <exception cref="WhisperException">whisper.cpp failed; the message carries its log line.</exception>
    public IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken) =>
        RunAsync(audio, _options, cancellationToken);

    /// <summary>
    /// Transcribes a piece of a longer utterance (see <see cref="IIncrementalSpeechToText"/>): the text before it joins
    /// <see cref="WhisperOptions.InitialPrompt"/> as the decoder's prompt (whisper.cpp keeps its last n_text_ctx/2
    /// tokens), and <paramref name="threads"/> (when above 0) replaces <see cref="WhisperOptions.Threads"/>.
    /// Segment times are relative to the piece.
    /// </summary>
    /// <exception cref="ArgumentException">The piece is shorter than <see cref="WhisperOptions.MinAudio"/> or longer than <see cref="WhisperOptions.MaxAudio"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is negative or above 64.</exception>
    public IAsyncEnumerable<TranscriptSegment> TranscribeContinuationAsync(ReadOnlyMemory<float> audio, string precedingText, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(precedingText);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threads, 64);
        var context = precedingText.Trim();
        var prompt = string.IsNullOrEmpty(_options.InitialPrompt) ? context : context.Length == 0 ? _options.InitialPrompt : _options.InitialPrompt + " " + context;
        var options = _options with
        {
            InitialPrompt = prompt.Length == 0 ? null : prompt,
            Threads = threads > 0 ? threads : _options.Threads,
        };
        return RunAsync(audio, options, cancellationToken);
    }

    private async IAsyncEnumerable<TranscriptSegment> RunAsync(ReadOnlyMemory<float> audio, WhisperOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var duration = TimeSpan.FromSeconds(audio.Length / (double)SampleRate);
        if (duration < _options.MinAudio)
        {
            throw new ArgumentException($"Audio of {duration.TotalSeconds:0.###} s is too short for Whisper (at least {_options.MinAudio.TotalSeconds:0.###} s of 16 kHz mono is needed); drop such utterances before transcribing.", nameof(audio));
        }

        if (duration > _options.MaxAudio)
        {
            throw new ArgumentException($"Audio of {duration.TotalSeconds:0.###} s is longer than the Whisper limit of {_options.MaxAudio.TotalSeconds:0.###} s; split the utterance or raise WhisperOptions.MaxAudio.", nameof(audio));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var eot = _model.EndOfTextToken;
        using var errors = WhisperNativeLog.CollectErrors();
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var processor = _model.CreateProcessor(options, EncoderStarting);
        var segments = processor.ProcessAsync(audio, run.Token).GetAsyncEnumerator(run.Token);
        try
        {
            while (true)
            {
                SegmentData segment;
                try
                {
                    if (!await segments.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    segment = segments.Current;
                }
                catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException("Whisper transcription was cancelled.", ex, cancellationToken);
                }
                catch (WhisperProcessingException ex)
                {
                    throw WhisperException.FromNative("whisper_full_with_state", ex.ErrorCode, errors.Text, innerException: ex);
                }

                yield return Map(segment, duration, eot);
            }
        }
        finally
        {
            // A consumer that stops early aborts the native run. DisposeAsync waits until the run has ended and
            // its state is freed, so nothing native is left running when this method completes or throws.
            await run.CancelAsync().ConfigureAwait(false);
            await segments.DisposeAsync().ConfigureAwait(false);
            await processor.DisposeAsync().ConfigureAwait(false);
            _model.RunEnded();
        }
    }

    /// <summary>
    /// A segment with its times clamped to the audio and the mean probability of its text tokens (ids below
    /// end-of-text; timestamps and specials excluded) as the confidence, NaN when it has none.
    /// </summary>
    private static TranscriptSegment Map(SegmentData segment, TimeSpan duration, int eot)
    {
        var start = Clamp(segment.Start, duration);
        var end = Clamp(segment.End, duration);
        if (end < start)
        {
            end = start;
        }

        double sum = 0;
        var count = 0;
        foreach (var token in segment.Tokens)
        {
            if (token is not null && token.Id < eot)
            {
                sum += token.Probability;
                count++;
            }
        }

        var confidence = count > 0 ? (float)(sum / count) : float.NaN;
        return new TranscriptSegment(segment.Text.Trim(), start, end, confidence);
    }

    private static TimeSpan Clamp(TimeSpan t, TimeSpan duration) =>
        t < TimeSpan.Zero ? TimeSpan.Zero : t > duration ? duration : t;
}
