using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace VoiceAppliance.Models.Whisper;

/// <summary>
/// Whisper speech to text over a loaded <see cref="WhisperModel"/>. Each utterance gets a fresh
/// <c>whisper_state</c> and runs <c>whisper_full_with_state</c> on its own thread; segments stream out of
/// whisper.cpp's new-segment callback as they are decoded, and cancellation reaches the native computation
/// through the abort callback (ggml checks it between graph nodes, so it returns within milliseconds).
/// </summary>
public sealed unsafe class WhisperSpeechToText : ISpeechToText
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

    /// <summary>
    /// Transcribes one utterance of 16 kHz mono audio. Segments are yielded as whisper.cpp finalises them;
    /// their times are clamped to the audio (whisper pads every window to 30 s).
    /// </summary>
    /// <exception cref="ArgumentException">The audio is shorter than <see cref="WhisperOptions.MinAudio"/> or longer than <see cref="WhisperOptions.MaxAudio"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the native computation has stopped when this is thrown.</exception>
    /// <exception cref="WhisperException">whisper.cpp failed; the message carries its log line.</exception>
    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, [EnumeratorCancellation] CancellationToken cancellationToken)
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
        var context = _model.Context;
        using var run = new Run(context, _options, audio, duration, cancellationToken);
        var worker = new Thread(run.Execute) { IsBackground = true, Name = "whisper" };
        worker.Start();
        try
        {
            await foreach (var segment in run.Segments.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                yield return segment;
            }
        }
        finally
        {
            // A consumer that stops early aborts the native run; wait for it so the state is freed.
            run.RequestAbort();
            await run.Finished.ConfigureAwait(false);
        }
    }

    /// <summary>One whisper_full run: its state, callbacks, output channel and abort flag.</summary>
    private sealed class Run : IDisposable
    {
        private readonly WhisperContextSafeHandle _context;
        private readonly WhisperOptions _options;
        private readonly ReadOnlyMemory<float> _audio;
        private readonly TimeSpan _duration;
        private readonly CancellationToken _cancellationToken;
        private readonly Channel<TranscriptSegment> _channel = Channel.CreateUnbounded<TranscriptSegment>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration _registration;
        private GCHandle _self;
        private int _eot;
        private volatile bool _abort;

        public Run(WhisperContextSafeHandle context, WhisperOptions options, ReadOnlyMemory<float> audio, TimeSpan duration, CancellationToken cancellationToken)
        {
            _context = context;
            _options = options;
            _audio = audio;
            _duration = duration;
            _cancellationToken = cancellationToken;
            _self = GCHandle.Alloc(this);
            _registration = cancellationToken.Register(static s => ((Run)s!)._abort = true, this);
        }

        public ChannelReader<TranscriptSegment> Segments => _channel.Reader;

        public Task Finished => _finished.Task;

        public void RequestAbort() => _abort = true;

        public void Execute()
        {
            Exception? error = null;
            try
            {
                error = Transcribe();
            }
#pragma warning disable CA1031 // Every failure is handed to the reader.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                error = ex;
            }
            finally
            {
                _channel.Writer.TryComplete(error);
                _finished.TrySetResult();
            }
        }

        private Exception? Transcribe()
        {
            using var errors = WhisperNativeLog.CollectErrors();
            using var state = Interop.Whisper.whisper_init_state(_context);
            if (state.IsInvalid)
            {
                state.SetHandleAsInvalid();
                return WhisperException.FromNative("whisper_init_state", 0, WhisperNativeLog.CollectedErrors, "free memory: the per-utterance state could not be allocated");
            }

            _eot = Interop.Whisper.whisper_token_eot(_context);
            var o = _options;
            var strategy = o.BeamSize > 1 ? Interop.Whisper.SamplingBeamSearch : Interop.Whisper.SamplingGreedy;
            var p = Interop.Whisper.whisper_full_default_params(strategy);
            p.NThreads = o.Threads > 0 ? o.Threads : Math.Min(4, Environment.ProcessorCount);
            p.NoContext = Flag(o.NoContext);
            p.SingleSegment = Flag(o.SingleSegment);
            p.PrintProgress = 0;
            p.PrintRealtime = 0;
            p.PrintTimestamps = 0;
            p.PrintSpecial = 0;
            p.TokenTimestamps = Flag(o.TokenTimestamps);
            p.MaxTokens = o.MaxTokensPerSegment;
            p.SuppressNst = Flag(o.SuppressNonSpeechTokens);
            p.Temperature = o.Temperature;
            p.TemperatureInc = o.TemperatureIncrement;
            p.GreedyBestOf = o.BestOf;
            if (strategy == Interop.Whisper.SamplingBeamSearch)
            {
                p.BeamSize = o.BeamSize;
            }

            var language = Marshal.StringToCoTaskMemUTF8(o.Language);
            var prompt = o.InitialPrompt is null ? IntPtr.Zero : Marshal.StringToCoTaskMemUTF8(o.InitialPrompt);
            try
            {
                p.Language = (byte*)language;
                p.DetectLanguage = 0;
                p.InitialPrompt = (byte*)prompt;
                p.NewSegmentCallback = &OnNewSegment;
                p.NewSegmentCallbackUserData = GCHandle.ToIntPtr(_self);
                p.AbortCallback = &OnAbort;
                p.AbortCallbackUserData = GCHandle.ToIntPtr(_self);

                using MemoryHandle pin = _audio.Pin();
                var rc = Interop.Whisper.whisper_full_with_state(_context, state, p, (float*)pin.Pointer, _audio.Length);
                if (rc == -7)
                {
                    // whisper.cpp frees the state itself on this path.
                    state.SetHandleAsInvalid();
                }

                if (_abort)
                {
                    return new OperationCanceledException("Whisper transcription was cancelled.", _cancellationToken);
                }

                return rc == 0 ? null : WhisperException.FromNative("whisper_full_with_state", rc, WhisperNativeLog.CollectedErrors);
            }
            finally
            {
                Marshal.FreeCoTaskMem(language);
                Marshal.FreeCoTaskMem(prompt);
            }
        }

        private static byte Flag(bool value) => value ? (byte)1 : (byte)0;

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static byte OnAbort(IntPtr userData) =>
            GCHandle.FromIntPtr(userData).Target is Run { _abort: true } ? (byte)1 : (byte)0;

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static void OnNewSegment(IntPtr ctx, IntPtr state, int newSegments, IntPtr userData)
        {
            try
            {
                if (GCHandle.FromIntPtr(userData).Target is Run run)
                {
                    run.Publish(state, newSegments);
                }
            }
#pragma warning disable CA1031 // An exception must not cross into native code.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (GCHandle.FromIntPtr(userData).Target is Run run)
                {
                    run._channel.Writer.TryComplete(ex);
                    run._abort = true;
                }
            }
        }

        private void Publish(IntPtr state, int newSegments)
        {
            var total = Interop.Whisper.whisper_full_n_segments_from_state(state);
            for (var i = Math.Max(0, total - newSegments); i < total; i++)
            {
                var text = Marshal.PtrToStringUTF8((IntPtr)Interop.Whisper.whisper_full_get_segment_text_from_state(state, i)) ?? string.Empty;
                var t0 = Clamp(Interop.Whisper.whisper_full_get_segment_t0_from_state(state, i));
                var t1 = Clamp(Interop.Whisper.whisper_full_get_segment_t1_from_state(state, i));
                if (t1 < t0)
                {
                    t1 = t0;
                }

                var tokens = Interop.Whisper.whisper_full_n_tokens_from_state(state, i);
                double sum = 0;
                var count = 0;
                for (var k = 0; k < tokens; k++)
                {
                    var data = Interop.Whisper.whisper_full_get_token_data_from_state(state, i, k);
                    if (data.Id < _eot)
                    {
                        sum += data.P;
                        count++;
                    }
                }

                var confidence = count > 0 ? (float)(sum / count) : float.NaN;
                _channel.Writer.TryWrite(new TranscriptSegment(text.Trim(), t0, t1, confidence));
            }
        }

        /// <summary>whisper.cpp times are in 10 ms units; clamp them to the audio.</summary>
        private TimeSpan Clamp(long centiseconds)
        {
            var t = TimeSpan.FromMilliseconds(Math.Max(0, centiseconds) * 10.0);
            return t > _duration ? _duration : t;
        }

        public void Dispose()
        {
            _registration.Dispose();
            if (_self.IsAllocated)
            {
                _self.Free();
            }
        }
    }
}
