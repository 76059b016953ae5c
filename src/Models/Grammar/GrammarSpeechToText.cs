using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models.Grammar;

/// <summary>What the grammar recogniser made of one utterance.</summary>
/// <param name="Text">The best command sentence in the grammar (empty when nothing matched).</param>
/// <param name="Confidence">Share in [0, 1] of the voiced audio that the recognised command words explain.</param>
/// <param name="Accepted">Whether the text matched and the confidence reached the rejection threshold.</param>
/// <param name="Start">Start of the first word.</param>
/// <param name="End">End of the last word.</param>
public sealed record GrammarResult(string Text, float Confidence, bool Accepted, TimeSpan Start, TimeSpan End);

/// <summary>A pocketsphinx call failed or the grammar/dictionary is unusable; the message names the cause and the fix.</summary>
public sealed class GrammarRecognizerException : Exception
{
    /// <summary>Creates an exception.</summary>
    public GrammarRecognizerException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public GrammarRecognizerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public GrammarRecognizerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The one place that turns a pocketsphinx return code into an exception.</summary>
    internal static void Check(int rc, string function, string? detail = null)
    {
        if (rc < 0)
        {
            throw new GrammarRecognizerException($"pocketsphinx {function} failed (code {rc}){(detail is null ? string.Empty : ": " + detail)}.");
        }
    }
}

/// <summary>
/// Fast closed-vocabulary speech to text: Debian's pocketsphinx decodes 16 kHz audio against a JSGF command
/// grammar with the en-us acoustic model. A closed grammar forces any speech onto its nearest command,
/// padded with silence; the confidence is therefore the share of voiced frames the command's words explain,
/// and results below <see cref="GrammarOptions.RejectionThreshold"/> are rejected as out of grammar.
/// One decoder per instance; calls are serialised.
/// </summary>
public sealed unsafe partial class GrammarSpeechToText : ISpeechToText, IDisposable
{
    private const int SampleRate = 16000;
    private const int FrameRate = 100;
    private const string GrammarSearch = "grammar";

    private readonly PocketSphinxSafeHandle _decoder;
    private readonly GrammarOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private short[] _pcm = new short[SampleRate * 10];
    private float[] _frameEnergy = new float[FrameRate * 10];
    private readonly List<(int Start, int End)> _words = [];

    /// <summary>Loads the acoustic model and dictionary and compiles <paramref name="jsgf"/>.</summary>
    /// <exception cref="FileNotFoundException">The acoustic model, dictionary or phone model is missing; the message names the Debian package.</exception>
    /// <exception cref="ArgumentException">The grammar uses words the dictionary lacks (all are listed) or is not valid JSGF.</exception>
    /// <exception cref="GrammarRecognizerException">pocketsphinx refused the configuration; the message carries its log.</exception>
    public GrammarSpeechToText(string jsgf, GrammarOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jsgf);
        _options = options ?? new GrammarOptions();
        _logger = logger ?? NullLogger.Instance;
        RequirePath(_options.AcousticModel, directory: true, "acoustic model");
        RequirePath(_options.Dictionary, directory: false, "pronunciation dictionary");
        if (_options.RejectionThreshold is < 0f or > 1f || _options.VoicedRangeDb is < 6f or > 90f)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Grammar RejectionThreshold {_options.RejectionThreshold} must be in [0, 1] and VoicedRangeDb {_options.VoicedRangeDb} in [6, 90].");
        }

        string[] args =
        [
            "-hmm", _options.AcousticModel,
            "-dict", _options.Dictionary,
            "-samprate", "16000",
            "-bestpath", "no",
            .. _options.ExtraArguments,
        ];
        _decoder = CreateDecoder(args);
        try
        {
            foreach (var (word, phones) in _options.Pronunciations)
            {
                GrammarRecognizerException.Check(Interop.PocketSphinx.ps_add_word(_decoder, word.ToLowerInvariant(), phones.ToUpperInvariant(), 1), "ps_add_word", $"word '{word}' with phones '{phones}' (use CMU phones such as 'K IH CH AH N')");
            }

            var missing = JsgfGrammar.Words(jsgf).Where(w => !IsInDictionary(w)).ToList();
            if (missing.Count > 0)
            {
                throw new ArgumentException(
                    $"The command grammar uses {missing.Count} word(s) missing from the pronunciation dictionary '{_options.Dictionary}': {string.Join(", ", missing)}. Fix: spell them as dictionary words (for example numbers as words: 'forty'), or add pronunciations through GrammarOptions.Pronunciations.",
                    nameof(jsgf));
            }

            WithLog("ps_set_jsgf_string", () => Interop.PocketSphinx.ps_set_jsgf_string(_decoder, GrammarSearch, jsgf), "the JSGF text is not valid (check rule names, brackets and the trailing ';')");
            GrammarRecognizerException.Check(Interop.PocketSphinx.ps_set_search(_decoder, GrammarSearch), "ps_set_search");
            Jsgf = jsgf;
        }
        catch
        {
            _decoder.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public string Name => "grammar";

    /// <summary>The grammar this recogniser decodes against.</summary>
    public string Jsgf { get; }

    /// <summary>Whether <paramref name="word"/> has a pronunciation (dictionary or added).</summary>
    public bool IsInDictionary(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var phones = Interop.PocketSphinx.ps_lookup_word(_decoder, word.ToLowerInvariant());
        if (phones == null)
        {
            return false;
        }

        NativeMemory.Free(phones);
        return true;
    }

    /// <summary>
    /// Yields one segment with the recognised command, or nothing when the audio is out of grammar (no match
    /// or confidence below <see cref="GrammarOptions.RejectionThreshold"/>).
    /// </summary>
    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var result = await Task.Run(() => Recognize(audio.Span, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (result.Accepted)
        {
            yield return new TranscriptSegment(result.Text, result.Start, result.End, result.Confidence);
        }
    }

    /// <summary>Decodes one utterance of 16 kHz mono audio (blocking; serialised per instance).</summary>
    /// <exception cref="ArgumentException">The audio is shorter than 0.1 s.</exception>
    public GrammarResult Recognize(ReadOnlySpan<float> audio, CancellationToken cancellationToken = default)
    {
        if (audio.Length < SampleRate / 10)
        {
            throw new ArgumentException($"Audio of {audio.Length} samples is too short for the grammar recogniser (at least 0.1 s of 16 kHz mono is needed).", nameof(audio));
        }

        _gate.Wait(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_decoder.IsClosed, this);
            if (_pcm.Length < audio.Length)
            {
                _pcm = new short[audio.Length];
            }

            var pcm = _pcm.AsSpan(0, audio.Length);
            ToPcm16(audio, pcm);

            var (text, start, end) = Decode(pcm, cancellationToken);
            if (text.Length == 0)
            {
                LogRejected(_logger, "no grammar path", float.NaN);
                return new GrammarResult(string.Empty, 0f, false, TimeSpan.Zero, TimeSpan.Zero);
            }

            var confidence = Coverage(audio);
            var accepted = confidence >= _options.RejectionThreshold;
            if (!accepted)
            {
                LogRejected(_logger, text, confidence);
            }

            return new GrammarResult(text, confidence, accepted, start, end);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Frees the decoder.</summary>
    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _decoder.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>float [-1, 1] -> int16 with saturation (SIMD through TensorPrimitives).</summary>
    internal static void ToPcm16(ReadOnlySpan<float> audio, Span<short> pcm)
    {
        Span<float> scratch = stackalloc float[1024];
        for (var offset = 0; offset < audio.Length; offset += scratch.Length)
        {
            var n = Math.Min(scratch.Length, audio.Length - offset);
            TensorPrimitives.Multiply(audio.Slice(offset, n), 32767f, scratch[..n]);
            TensorPrimitives.ConvertSaturating<float, short>(scratch[..n], pcm.Slice(offset, n));
        }
    }

    /// <summary>
    /// Share of the voiced frames (energy within <see cref="GrammarOptions.VoicedRangeDb"/> of the loudest)
    /// that lie inside recognised words.
    /// </summary>
    private float Coverage(ReadOnlySpan<float> audio)
    {
        const int hop = SampleRate / FrameRate;
        var frames = audio.Length / hop;
        if (_frameEnergy.Length < frames)
        {
            _frameEnergy = new float[frames];
        }

        var energy = _frameEnergy.AsSpan(0, frames);
        for (var f = 0; f < frames; f++)
        {
            energy[f] = TensorPrimitives.SumOfSquares(audio.Slice(f * hop, hop)) / hop;
        }

        var loudest = TensorPrimitives.Max(energy);
        if (loudest <= 1e-9f)
        {
            return 0f;
        }

        var floor = Math.Max(1e-7f, loudest * MathF.Pow(10f, -_options.VoicedRangeDb / 10f));
        int voiced = 0, covered = 0;
        for (var f = 0; f < frames; f++)
        {
            if (energy[f] < floor)
            {
                continue;
            }

            voiced++;
            foreach (var (start, end) in _words)
            {
                if (f >= start && f <= end)
                {
                    covered++;
                    break;
                }
            }
        }

        return voiced == 0 ? 0f : covered / (float)voiced;
    }

    private (string Text, TimeSpan Start, TimeSpan End) Decode(ReadOnlySpan<short> pcm, CancellationToken cancellationToken)
    {
        _words.Clear();
        GrammarRecognizerException.Check(Interop.PocketSphinx.ps_start_utt(_decoder), "ps_start_utt");
        var ended = false;
        try
        {
            const int chunk = SampleRate / 4;
            fixed (short* p = pcm)
            {
                for (var offset = 0; offset < pcm.Length; offset += chunk)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var n = Math.Min(chunk, pcm.Length - offset);
                    GrammarRecognizerException.Check(Interop.PocketSphinx.ps_process_raw(_decoder, p + offset, (nuint)n, 0, 0), "ps_process_raw");
                }
            }

            GrammarRecognizerException.Check(Interop.PocketSphinx.ps_end_utt(_decoder), "ps_end_utt");
            ended = true;
            int score;
            var hyp = Interop.PocketSphinx.ps_get_hyp(_decoder, &score);
            var text = hyp == null ? string.Empty : Marshal.PtrToStringUTF8((IntPtr)hyp)?.Trim() ?? string.Empty;
            var start = TimeSpan.Zero;
            var end = TimeSpan.Zero;
            if (text.Length > 0)
            {
                // The best path spans the whole utterance, so its first segment (usually <sil>) starts at
                // the utterance's first frame; pocketsphinx keeps counting frames across utterances when fed
                // in blocks, so times are taken relative to it.
                int? origin = null;
                for (var seg = Interop.PocketSphinx.ps_seg_iter(_decoder); seg != IntPtr.Zero; seg = Interop.PocketSphinx.ps_seg_next(seg))
                {
                    int sf, ef;
                    Interop.PocketSphinx.ps_seg_frames(seg, &sf, &ef);
                    origin ??= sf;
                    var word = Marshal.PtrToStringUTF8((IntPtr)Interop.PocketSphinx.ps_seg_word(seg)) ?? string.Empty;
                    if (word.StartsWith('<') || word.StartsWith('['))
                    {
                        continue; // silence and fillers
                    }

                    _words.Add((sf - origin.Value, ef - origin.Value));
                }

                if (_words.Count > 0)
                {
                    start = TimeSpan.FromSeconds(_words[0].Start / (double)FrameRate);
                    end = TimeSpan.FromSeconds((_words[^1].End + 1) / (double)FrameRate);
                }
            }

            return (text, start, end);
        }
        finally
        {
            if (!ended)
            {
                _ = Interop.PocketSphinx.ps_end_utt(_decoder);
            }
        }
    }

    private PocketSphinxSafeHandle CreateDecoder(string[] args)
    {
        var logFile = Path.Combine(Path.GetTempPath(), $"pocketsphinx-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        try
        {
            // sphinxbase logs through a variadic callback that managed code cannot implement; route its
            // log to a file for the initialisation, forward that to the logger, then silence it.
            Interop.SphinxBase.err_set_logfile(logFile);
        }
        catch (DllNotFoundException ex)
        {
            throw NativeDependency.Missing(Interop.Libraries.SphinxBaseFile, Interop.Libraries.PocketSphinxFix, ex);
        }

        var argv = new IntPtr[args.Length];
        IntPtr config = IntPtr.Zero;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                argv[i] = Marshal.StringToCoTaskMemUTF8(args[i]);
            }

            PocketSphinxSafeHandle decoder;
            try
            {
                fixed (IntPtr* p = argv)
                {
                    config = Interop.SphinxBase.cmd_ln_parse_r(IntPtr.Zero, Interop.PocketSphinx.ps_args(), args.Length, (byte**)p, 1);
                }

                if (config == IntPtr.Zero)
                {
                    throw new GrammarRecognizerException($"pocketsphinx rejected its arguments [{string.Join(' ', args)}]: {Errors(logFile)}. Fix: check GrammarOptions.ExtraArguments.");
                }

                decoder = Interop.PocketSphinx.ps_init(config);
            }
            catch (DllNotFoundException ex)
            {
                throw NativeDependency.Missing(Interop.Libraries.PocketSphinxFile, Interop.Libraries.PocketSphinxFix, ex);
            }

            if (decoder.IsInvalid)
            {
                decoder.Dispose();
                throw new GrammarRecognizerException($"pocketsphinx could not load the model '{_options.AcousticModel}' with dictionary '{_options.Dictionary}': {Errors(logFile)}. Fix: reinstall pocketsphinx-en-us.");
            }

            return decoder;
        }
        finally
        {
            if (config != IntPtr.Zero)
            {
                _ = Interop.SphinxBase.cmd_ln_free_r(config); // ps_init retained its own reference
            }

            foreach (var a in argv)
            {
                Marshal.FreeCoTaskMem(a);
            }

            ForwardLog(logFile);
        }
    }

    private void WithLog(string function, Func<int> call, string? fix)
    {
        var logFile = Path.Combine(Path.GetTempPath(), $"pocketsphinx-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        Interop.SphinxBase.err_set_logfile(logFile);
        int rc;
        string errors;
        try
        {
            rc = call();
        }
        finally
        {
            errors = Errors(logFile);
            ForwardLog(logFile);
        }

        if (rc < 0)
        {
            throw new ArgumentException($"pocketsphinx {function} failed (code {rc}): {errors}{(fix is null ? string.Empty : ". Fix: " + fix)}.");
        }
    }

    private static string Errors(string logFile)
    {
        try
        {
            var lines = File.Exists(logFile) ? File.ReadAllLines(logFile).Where(l => l.StartsWith("ERROR", StringComparison.Ordinal) || l.StartsWith("FATAL", StringComparison.Ordinal)).ToList() : [];
            return lines.Count == 0 ? "no error logged" : string.Join(" ", lines);
        }
        catch (IOException)
        {
            return "log unavailable";
        }
    }

    private void ForwardLog(string logFile)
    {
        Interop.SphinxBase.err_set_logfp(IntPtr.Zero);
        try
        {
            if (File.Exists(logFile))
            {
                foreach (var line in File.ReadLines(logFile))
                {
                    if (line.StartsWith("ERROR", StringComparison.Ordinal) || line.StartsWith("FATAL", StringComparison.Ordinal))
                    {
                        LogNativeError(_logger, line);
                    }
                    else if (line.Length > 0)
                    {
                        LogNative(_logger, line);
                    }
                }

                File.Delete(logFile);
            }
        }
        catch (IOException)
        {
            // The log is diagnostic only.
        }
    }

    private static void RequirePath(string path, bool directory, string what)
    {
        if (directory ? !Directory.Exists(path) : !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The pocketsphinx {what} '{path}' does not exist. Fix: {Interop.Libraries.PocketSphinxFix}, or point GrammarOptions at another model.",
                path);
        }
    }

    [LoggerMessage(EventId = 5200, Level = LogLevel.Debug, Message = "pocketsphinx: {NativeMessage}")]
    private static partial void LogNative(ILogger logger, string nativeMessage);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Error, Message = "pocketsphinx: {NativeMessage}")]
    private static partial void LogNativeError(ILogger logger, string nativeMessage);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Debug, Message = "grammar STT rejected '{Text}' (confidence {Confidence})")]
    private static partial void LogRejected(ILogger logger, string text, float confidence);
}
