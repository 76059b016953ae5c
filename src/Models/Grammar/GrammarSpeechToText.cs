using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models.Grammar;

/// <summary>
/// Fast closed-vocabulary speech to text: Debian's pocketsphinx decodes 16 kHz audio against a JSGF command
/// grammar with the en-us acoustic model. A closed grammar forces any speech onto its nearest command, so a
/// second pass decodes the same audio with a free loop of context-independent phones (any sound sequence, no
/// language model) and the result's confidence is the likelihood ratio of the two paths per frame of command
/// words: speech the command really explains scores close to the free loop, other speech far below it. That ratio
/// is measured in units of the voice's own fit: divided by how well the free loop explains the speech at all
/// (its acoustic score per speech frame, <see cref="VoiceFitReference"/> for a typical voice), so a voice the
/// acoustic model fits poorly (whose every word scores low against the loop, as espeak-ng's do) is not refused
/// for the voice, and one it fits somewhat better is held to a somewhat stricter ratio. Speech
/// the loop hears where the command has only silence is unexplained; too much of it also rejects the result.
/// Results whose confidence times their word-duration factor (<see cref="WordDurations"/>: speech forced onto a
/// command squeezes some words and stretches others) is below <see cref="GrammarOptions.RejectionThreshold"/> are
/// rejected as out of grammar. Each
/// utterance is decoded as one batch (its own cepstral mean), so results do not depend on earlier utterances.
/// Two decoders per instance when <see cref="GrammarOptions.ConcurrentPasses"/> (the phone loop runs on another core,
/// concurrently with the grammar), else one; calls are serialised.
/// </summary>
public sealed unsafe partial class GrammarSpeechToText : ISpeculativeSpeechToText, IDisposable
{
    private const int SampleRate = 16000;
    private const int FrameRate = 100;

    /// <summary>Peak under which audio is silence, not speech: -60 dBFS.</summary>
    private const float SilencePeak = 0.001f;
    private const string GrammarSearch = "grammar";
    private const string PhoneLoopSearch = "phone-loop";
    private const string WideGrammarSearch = "grammar-wide";

    /// <summary>
    /// Beams of the second grammar search, run only when the first (pocketsphinx's beams: 1e-48, word 7e-29, phone
    /// 1e-48) ends with no path: those can prune every path that reaches a final state, and a command ended with no
    /// path at all (espeak-ng en-us "set a timer for five minutes" with 0.7 s of trailing silence) while wider beams
    /// decode it. Wider beams for every utterance were measured too (bench heldout, tuning set): they lowered the
    /// confidence of correct commands more than of other speech, so only the no-path case uses them.
    /// </summary>
    internal static readonly (string Name, double Value)[] WideBeams = [("-beam", 1e-60), ("-wbeam", 1e-50), ("-pbeam", 1e-60)];

    /// <summary>
    /// The free phone loop's acoustic score per speech frame (nats, negated) at which the likelihood ratio is taken as
    /// it is: about the median of Piper's voices (1.37-1.41 on bench heldout's tuning set; espeak-ng's voices 1.6-1.9,
    /// their ratios are scaled down by that much). The ratio is divided by the voice's own figure over this one.
    /// </summary>
    internal const float VoiceFitReference = 1.4f;

    /// <summary>
    /// Bounds of the voice's fit (nats per speech frame) the ratio is scaled by. Below the lower one (a voice the model
    /// fits better than most) the ratio is not made any stricter: on bench heldout's tuning set every lower bound from
    /// 1.15 to 1.35 gave the same, best, result with the 0.16 threshold (554 of 561 commands, 14 of 858 other phrases;
    /// 18 with no bound), and 1.25 is the middle. The upper one only guards against a few frames of speech giving an
    /// extreme figure.
    /// </summary>
    internal const float MinVoiceFit = 1.25f, MaxVoiceFit = 2.8f;

    /// <summary>Runs of exact zeros this long (100 ms) or longer are shortened to <see cref="DigitalSilenceGap"/> before decoding.</summary>
    internal const int MinDigitalSilenceRun = SampleRate / 10;

    /// <summary>What is left of a long run of exact zeros: 20 ms, two frames (bench hesitation: 50 ms kept 42 of 60 espeak-ng hesitations, 20 ms 57).</summary>
    internal const int DigitalSilenceGap = SampleRate / 50;

    // Path scores are in log base 1.0001 units shifted right by SENSCR_SHIFT (10) bits.
    private static readonly double ScoreToNats = 1024 * Math.Log(1.0001);

    private readonly PocketSphinxSafeHandle _decoder;
    private readonly PocketSphinxSafeHandle _loopDecoder;
    private readonly GrammarOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private short[] _pcm = new short[SampleRate * 10];
    private readonly List<(int Start, int End)> _words = [];
    private readonly List<(int Frames, float Expected)> _wordLengths = [];

    // "(NULL)" segments before the first spoken command word: pocketsphinx's one-frame mark of the grammar skipping an
    // optional word ("[please] what time is it" without "please"), at the utterance's first frame.
    private int _leadingSkips;

    private readonly List<(int Start, int End)> _loopSpeech = [];
    private long _loopSpeechAcoustic;
    private int _loopSpeechFrames;
    private bool[] _inWord = new bool[FrameRate * 10];
    private readonly List<(int End, int Removed)> _gaps = [];

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
        if (_options.RejectionThreshold is < 0f or > 1f || float.IsNaN(_options.RejectionThreshold) || _options.MaxUnexplainedSpeech is < 0f or > 1f || float.IsNaN(_options.MaxUnexplainedSpeech))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Grammar RejectionThreshold {_options.RejectionThreshold} and MaxUnexplainedSpeech {_options.MaxUnexplainedSpeech} must be in [0, 1] (threshold 0 with share 1 accepts every command path).");
        }

        // Only silence may separate words: the model's noise fillers ([SPEECH] is a garbage model of speech) would
        // let the grammar path absorb speech that its words do not explain, hiding it from the phone-loop ratio.
        var fillers = Path.Combine(Path.GetTempPath(), $"pocketsphinx-fillers-{Environment.ProcessId}-{Guid.NewGuid():N}.dict");
        File.WriteAllText(fillers, "<s> SIL\n</s> SIL\n<sil> SIL\n");
        string[] args =
        [
            "-hmm", _options.AcousticModel,
            "-dict", _options.Dictionary,
            "-fdict", fillers,
            "-samprate", "16000",
            "-bestpath", "no",
            "-allphone_ci", "yes",

            // The audio is already one VAD segment. pocketsphinx's own silence removal drops frames by a noise
            // estimate it carries from one utterance to the next, so a command could lose frames (and its grammar
            // path) because of what was decoded before it; off, each result depends on its own audio alone.
            "-remove_silence", "no",
            .. _options.ExtraArguments,
        ];
        try
        {
            // With ConcurrentPasses, two decoders, so the phone-loop pass runs on another core while the grammar pass
            // runs here; otherwise one decoder runs both searches in turn (half the memory).
            _decoder = CreateDecoder(args);
            try
            {
                _loopDecoder = _options.ConcurrentPasses ? CreateDecoder(args) : _decoder;
                WithLog("ps_set_allphone", () => Interop.PocketSphinx.ps_set_allphone(_loopDecoder, PhoneLoopSearch, IntPtr.Zero), "reinstall pocketsphinx-en-us");
                GrammarRecognizerException.Check(Interop.PocketSphinx.ps_set_search(_loopDecoder, PhoneLoopSearch), "ps_set_search", PhoneLoopSearch);
            }
            catch
            {
                _loopDecoder?.Dispose();
                _decoder.Dispose();
                throw;
            }
        }
        finally
        {
            File.Delete(fillers);
        }

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

            if (_options.ConnectedSpeech)
            {
                ConnectedSpeechVariants = AddConnectedSpeechVariants(jsgf);
            }

            WithLog("ps_set_jsgf_string", () => Interop.PocketSphinx.ps_set_jsgf_string(_decoder, GrammarSearch, jsgf), "the JSGF text is not valid (check rule names, brackets and the trailing ';')");

            // The same grammar with wider beams, for utterances the first search ends with no path on: a search reads
            // its beams from the decoder's configuration when it is created, so they are widened for this one only.
            var config = Interop.PocketSphinx.ps_get_config(_decoder);
            var saved = WideBeams.Select(b => Interop.SphinxBase.cmd_ln_float_r(config, b.Name)).ToArray();
            try
            {
                for (var i = 0; i < WideBeams.Length; i++)
                {
                    Interop.SphinxBase.cmd_ln_set_float_r(config, WideBeams[i].Name, Math.Min(WideBeams[i].Value, saved[i]));
                }

                WithLog("ps_set_jsgf_string", () => Interop.PocketSphinx.ps_set_jsgf_string(_decoder, WideGrammarSearch, jsgf), null);
            }
            finally
            {
                for (var i = 0; i < WideBeams.Length; i++)
                {
                    Interop.SphinxBase.cmd_ln_set_float_r(config, WideBeams[i].Name, saved[i]);
                }
            }

            GrammarRecognizerException.Check(Interop.PocketSphinx.ps_set_search(_decoder, GrammarSearch), "ps_set_search");

            Jsgf = jsgf;
        }
        catch
        {
            _decoder.Dispose();
            _loopDecoder.Dispose();
            throw;
        }
    }

    /// <summary>One decoding pass: the hypothesis (grammar pass only), the best path's summed acoustic score, and the frames decoded.</summary>
    internal readonly record struct DecodePass(string Text, long AcousticScore, int Frames);

    /// <summary>How the last utterance was scored (for tuning and the grammar bench).</summary>
    /// <param name="Grammar">The grammar pass.</param>
    /// <param name="PhoneLoop">The phone-loop pass (default when the grammar found no path).</param>
    /// <param name="WordFrames">Frames inside the command's words.</param>
    /// <param name="LogRatio">Log-likelihood ratio per word frame in nats (the confidence is its exponential).</param>
    /// <param name="GrammarTime">Time the grammar pass took.</param>
    /// <param name="PhoneLoopTime">Time the phone-loop pass took.</param>
    /// <param name="UnexplainedShare">Share of the phone loop's speech frames that fall outside the command's words.</param>
    /// <param name="Widened">The first grammar search found no path and the one with <see cref="WideBeams"/> ran.</param>
    /// <param name="VoiceFit">The phone loop's acoustic score per speech frame in nats, negated (larger: the model fits the voice worse).</param>
    /// <param name="RawLogRatio">The log-likelihood ratio per word frame before it is scaled by the voice's fit.</param>
    /// <param name="DurationSpread">The words' duration spread (<see cref="WordDurations.Spread"/>); the threshold applies to the confidence times <see cref="WordDurations.Factor"/> of it.</param>
    internal readonly record struct ScoreDetail(DecodePass Grammar, DecodePass PhoneLoop, int WordFrames, float LogRatio, TimeSpan GrammarTime, TimeSpan PhoneLoopTime, float UnexplainedShare, bool Widened = false, float VoiceFit = float.NaN, float RawLogRatio = float.NaN, float DurationSpread = WordDurations.ReferenceSpread);

    internal ScoreDetail LastScore { get; private set; }

    /// <summary>Exploration: when set, every segment of both passes is recorded (word, start, end, acoustic score).</summary>
    internal bool Trace { get; set; }

    internal List<(string Word, int Start, int End, int Acoustic)> GrammarTrace { get; } = [];

    internal List<(string Word, int Start, int End, int Acoustic)> LoopTrace { get; } = [];

    /// <inheritdoc />
    public string Name => "grammar";

    /// <inheritdoc />
    public bool TranscribesSpeculatively => true;

    /// <summary>The confidence under which results are rejected (<see cref="GrammarOptions.RejectionThreshold"/>).</summary>
    public float RejectionThreshold => _options.RejectionThreshold;

    /// <summary>The grammar this recogniser decodes against.</summary>
    public string Jsgf { get; }

    /// <summary>
    /// The connected-speech pronunciations added for this grammar (<see cref="GrammarOptions.ConnectedSpeech"/>), as
    /// dictionary lines such as <c>what(3) W AH</c>; empty when off or when no pair of words calls for one.
    /// </summary>
    public IReadOnlyList<string> ConnectedSpeechVariants { get; private set; } = [];

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

    /// <summary>
    /// A guess on an utterance that may be unfinished: the accepted command, or <see cref="SpeechGuess.Unfinished"/>
    /// when the grammar search reached no final state (the audio stops inside every command it could be).
    /// </summary>
    public Task<SpeechGuess> GuessAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken) =>
        Task.Run(
            () =>
            {
                var result = Recognize(audio.Span, cancellationToken, out var widened);
                if (MathF.Abs(TensorPrimitives.MaxMagnitude(audio.Span)) < SilencePeak)
                {
                    return new SpeechGuess(string.Empty, 0f, Unfinished: false); // silence is not half a command
                }

                // Unfinished: the first search found no path and the wider one no command it accepts. A wide search
                // can force audio that stops inside a command onto a whole one; rejected, that is still half a command.
                // The best path and where its last word starts go with the guess, accepted or not: the pipeline tells
                // a last word the search forced onto the pause (after the VAD's last voiced frame) from a spoken one.
                var guess = result.Accepted
                    ? new SpeechGuess(result.Text, result.Confidence, Unfinished: false)
                    : new SpeechGuess(string.Empty, 0f, Unfinished: result.Text.Length == 0 || widened);
                return result.Text.Length == 0 ? guess : guess with { BestPath = result.Text, BestPathConfidence = result.Confidence, LastWordStart = result.LastWordStart };
            },
            cancellationToken);

    /// <summary>Decodes one utterance of 16 kHz mono audio (blocking; serialised per instance).</summary>
    /// <exception cref="ArgumentException">The audio is shorter than 0.1 s.</exception>
    public GrammarResult Recognize(ReadOnlySpan<float> audio, CancellationToken cancellationToken = default) => Recognize(audio, cancellationToken, out _);

    /// <summary><see cref="Recognize(ReadOnlySpan{float}, CancellationToken)"/>; <paramref name="widened"/>: the first grammar search found no path and the wide one ran.</summary>
    private GrammarResult Recognize(ReadOnlySpan<float> audio, CancellationToken cancellationToken, out bool widened)
    {
        widened = false;
        if (audio.Length < SampleRate / 10)
        {
            throw new ArgumentException($"Audio of {audio.Length} samples is too short for the grammar recogniser (at least 0.1 s of 16 kHz mono is needed).", nameof(audio));
        }

        // Digital silence or a muted microphone (peak under -60 dBFS) has no command in it; decoded, it could come out
        // as one (a zero signal gave "stop" at confidence 0.26, depending on what was decoded before).
        cancellationToken.ThrowIfCancellationRequested();
        if (MathF.Abs(TensorPrimitives.MaxMagnitude(audio)) < SilencePeak)
        {
            LogRejected(_logger, "no audible speech", float.NaN);
            return new GrammarResult(string.Empty, 0f, false, TimeSpan.Zero, TimeSpan.Zero, 1f);
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
            pcm = pcm[..ShortenDigitalSilence(pcm, _gaps)];
            DitherDigitalSilence(pcm);

            DecodePass grammar, loop;
            TimeSpan grammarTime, loopTime;
            var started = Stopwatch.GetTimestamp();
            if (_options.ConcurrentPasses)
            {
                var length = pcm.Length;
                var loopTask = Task.Run(
                    () =>
                    {
                        var begun = Stopwatch.GetTimestamp();
                        var pass = Decode(_loopDecoder, PhoneLoopSearch, _pcm.AsSpan(0, length), collectWords: false, cancellationToken);
                        return (Pass: pass, Time: Stopwatch.GetElapsedTime(begun));
                    },
                    CancellationToken.None);
                try
                {
                    grammar = Decode(_decoder, GrammarSearch, pcm, collectWords: true, cancellationToken);
                    if (grammar.Text.Length == 0)
                    {
                        widened = true;
                        grammar = Decode(_decoder, WideGrammarSearch, pcm, collectWords: true, cancellationToken);
                    }
                }
                finally
                {
                    // The loop reads _pcm and _loopSpeech: it must finish before this call returns or throws.
                    ((IAsyncResult)loopTask).AsyncWaitHandle.WaitOne();
                }

                grammarTime = Stopwatch.GetElapsedTime(started);
                (loop, loopTime) = loopTask.GetAwaiter().GetResult();
            }
            else
            {
                grammar = Decode(_decoder, GrammarSearch, pcm, collectWords: true, cancellationToken);
                if (grammar.Text.Length == 0)
                {
                    widened = true;
                    grammar = Decode(_decoder, WideGrammarSearch, pcm, collectWords: true, cancellationToken);
                }

                grammarTime = Stopwatch.GetElapsedTime(started);
                started = Stopwatch.GetTimestamp();
                loop = grammar.Text.Length == 0 ? default : Decode(_loopDecoder, PhoneLoopSearch, pcm, collectWords: false, cancellationToken);
                loopTime = Stopwatch.GetElapsedTime(started);
            }

            if (grammar.Text.Length == 0 || _words.Count == 0)
            {
                LastScore = new ScoreDetail(grammar, loop, 0, float.NegativeInfinity, grammarTime, loopTime, 1f, widened);
                LogRejected(_logger, "no grammar path", float.NaN);
                return new GrammarResult(string.Empty, 0f, false, TimeSpan.Zero, TimeSpan.Zero, 1f);
            }

            var wordFrames = 0;
            var frames = Math.Max(grammar.Frames, loop.Frames) + 1;
            if (_inWord.Length < frames)
            {
                _inWord = new bool[frames];
            }

            var inWord = _inWord.AsSpan(0, frames);
            inWord.Clear();
            foreach (var (start, end) in _words)
            {
                wordFrames += end - start + 1;
                inWord[Math.Clamp(start, 0, frames - 1)..(Math.Clamp(end, 0, frames - 1) + 1)].Fill(true);
            }

            // Speech the phone loop hears where the command has only silence: what the command leaves unexplained.
            int loopSpeech = 0, unexplained = 0;
            foreach (var (start, end) in _loopSpeech)
            {
                for (var f = Math.Max(0, start); f <= end && f < frames; f++)
                {
                    loopSpeech++;
                    unexplained += inWord[f] ? 0 : 1;
                }
            }

            var unexplainedShare = loopSpeech == 0 ? 0f : unexplained / (float)loopSpeech;

            // Log-likelihood ratio of the command against the free phone loop, per frame of command words, in
            // nats: pocketsphinx scores are log base 1.0001 and senone scores are shifted right by 10 bits.
            var rawRatio = (float)((grammar.AcousticScore - loop.AcousticScore) * ScoreToNats / wordFrames);

            // ... in units of the voice's fit: how well the free loop explains its speech frames at all. A voice the
            // model fits poorly spreads every score, the gap between command and loop with it; both passes hear the
            // same voice, so this scale does not depend on whether the speech is a command.
            var voiceFit = _loopSpeechFrames <= 0 ? VoiceFitReference : (float)(-_loopSpeechAcoustic * ScoreToNats / _loopSpeechFrames);
            var ratio = rawRatio * VoiceFitReference / Math.Clamp(voiceFit, MinVoiceFit, MaxVoiceFit);
            var confidence = Math.Clamp(MathF.Exp(ratio), 0f, 1f);

            // ... and weighed by how evenly the words fill their alignment (WordDurations): speech forced onto a
            // command squeezes some words and stretches others, a spoken command gives each its phones' time.
            var spread = WordDurations.Spread(CollectionsMarshal.AsSpan(_wordLengths));
            var durationFactor = WordDurations.Factor(spread);
            LastScore = new ScoreDetail(grammar, loop, wordFrames, ratio, grammarTime, loopTime, unexplainedShare, widened, voiceFit, rawRatio, spread);
            var accepted = confidence * durationFactor >= _options.RejectionThreshold && unexplainedShare <= _options.MaxUnexplainedSpeech;
            if (!accepted)
            {
                LogRejected(_logger, grammar.Text, confidence);
            }

            // The command starts at its first spoken word, not at a skipped optional word's mark at frame 0. The "(NULL)"
            // marks still count as command words otherwise (one frame each in the word frames; a trailing one, as after
            // "set the volume to forty" with "[percent]" skipped, is the last word for LastWordStart): the rejection rule
            // and the pause-guess judgement were tuned with them.
            var first = OriginalTime(_words[Math.Min(_leadingSkips, _words.Count - 1)].Start, _gaps, start: true);
            var last = OriginalTime(_words[^1].End + 1, _gaps, start: false);
            var lastStart = OriginalTime(_words[^1].Start, _gaps, start: true);
            return new GrammarResult(grammar.Text, confidence, accepted, first, last, unexplainedShare, lastStart, durationFactor);
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
            _loopDecoder.Dispose();
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
    /// Shortens every run of exact zeros of at least <see cref="MinDigitalSilenceRun"/> samples to
    /// <see cref="DigitalSilenceGap"/>, in place, and returns the new length; <paramref name="gaps"/> receives where each
    /// shortened run now ends and how many samples it lost (to map frames back to the audio's own time). Digital
    /// silence carries no sound at all: a harness or capture that pads with zeros (bench endpointing's microphone, a
    /// hesitation joined by zeros) put up to 1.6 s of it into a 3 s utterance, whose cepstral mean (one per utterance,
    /// <c>-cmn batch</c>) it dragged, and espeak-ng en-us "turn off the ... kitchen light" came out as "turn on" and
    /// "set a timer for ... ten minutes" as "two minute". Kept to 20 ms, the words are decoded as they are with no pause
    /// (bench hesitation: espeak-ng's hesitations between zeros 57 of 60 instead of 26). Audio from a microphone is
    /// never digitally silent for 100 ms, so it decodes as before. One pass per utterance; the list is reused.
    /// </summary>
    internal static int ShortenDigitalSilence(Span<short> pcm, List<(int End, int Removed)> gaps)
    {
        gaps.Clear();
        var write = 0;
        var i = 0;
        while (i < pcm.Length)
        {
            if (pcm[i] != 0)
            {
                pcm[write++] = pcm[i++];
                continue;
            }

            var start = i;
            while (i < pcm.Length && pcm[i] == 0)
            {
                i++;
            }

            var run = i - start;
            var kept = run >= MinDigitalSilenceRun ? DigitalSilenceGap : run;
            pcm.Slice(write, kept).Clear();
            write += kept;
            if (kept < run)
            {
                gaps.Add((write, run - kept));
            }
        }

        return write;
    }

    /// <summary>
    /// The time in the caller's audio of <paramref name="frame"/> of the decoded (shortened) audio. A frame inside a
    /// kept gap is silence a word absorbed: a word's start there (<paramref name="start"/>) maps to the sound after the
    /// run, its end to the sound before it.
    /// </summary>
    internal static TimeSpan OriginalTime(int frame, List<(int End, int Removed)> gaps, bool start)
    {
        var sample = frame * (SampleRate / FrameRate);
        var removedBefore = 0;
        foreach (var (end, removed) in gaps)
        {
            if (sample < end - DigitalSilenceGap)
            {
                break;
            }

            if (sample < end)
            {
                sample = start ? end + removed : end - DigitalSilenceGap;
                break;
            }

            removedBefore += removed;
        }

        return TimeSpan.FromSeconds((sample + removedBefore) / (double)SampleRate);
    }

    /// <summary>
    /// Turns exact zeros into +-1 (a fixed pseudo-random sign per position, so a result stays a function of the audio).
    /// Digital silence, such as espeak-ng's pauses between words or a capture that pads with zeros, has no spectrum:
    /// its frames' log energies sit at the floor, drag the utterance's cepstral mean and fit no model, and a command
    /// in it scored far below the same command in faint noise (espeak-ng en-us "set a timer for five minutes" between
    /// zeros: confidence 0.08, no path in the first search; with +-1 LSB: 0.19). Samples that are not exactly zero are
    /// unchanged, so audio from a microphone, which is never digitally silent, decodes as before.
    /// </summary>
    internal static void DitherDigitalSilence(Span<short> pcm)
    {
        for (var i = 0; i < pcm.Length; i++)
        {
            if (pcm[i] == 0)
            {
                pcm[i] = (short)((((uint)i * 2654435761u) >> 31) == 0 ? 1 : -1);
            }
        }
    }

    /// <summary>
    /// Decodes the utterance with <paramref name="search"/> in one batch (the cepstral mean comes from this
    /// utterance alone, so a result does not depend on what was decoded before) and sums the acoustic scores of
    /// the best path's segments. With <paramref name="collectWords"/> the command words' frame spans go to
    /// <see cref="_words"/> and their lengths, beside their pronunciations' typical lengths, to <see cref="_wordLengths"/>.
    /// </summary>
    private DecodePass Decode(PocketSphinxSafeHandle decoder, string search, ReadOnlySpan<short> pcm, bool collectWords, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var words = collectWords ? _words : _loopSpeech;
        words.Clear();
        if (collectWords)
        {
            _wordLengths.Clear();
            _leadingSkips = 0;
        }
        else
        {
            _loopSpeechAcoustic = 0;
            _loopSpeechFrames = 0;
        }

        (collectWords ? GrammarTrace : LoopTrace).Clear();

        GrammarRecognizerException.Check(Interop.PocketSphinx.ps_set_search(decoder, search), "ps_set_search", search);

        // The front end's spectral noise subtraction (-remove_noise) carries its noise estimate from one utterance to
        // the next unless a new stream starts: the same audio decoded twice in a row scored 0.084, then 0.067.
        GrammarRecognizerException.Check(Interop.PocketSphinx.ps_start_stream(decoder), "ps_start_stream");
        GrammarRecognizerException.Check(Interop.PocketSphinx.ps_start_utt(decoder), "ps_start_utt");
        var ended = false;
        try
        {
            fixed (short* p = pcm)
            {
                GrammarRecognizerException.Check(Interop.PocketSphinx.ps_process_raw(decoder, p, (nuint)pcm.Length, 0, 1), "ps_process_raw");
            }

            GrammarRecognizerException.Check(Interop.PocketSphinx.ps_end_utt(decoder), "ps_end_utt");
            ended = true;
            int score;
            var hyp = Interop.PocketSphinx.ps_get_hyp(decoder, &score);
            var text = hyp == null || !collectWords ? string.Empty : Marshal.PtrToStringUTF8((IntPtr)hyp)?.Trim() ?? string.Empty;
            long acoustic = 0;
            int? origin = null;
            for (var seg = Interop.PocketSphinx.ps_seg_iter(decoder); seg != IntPtr.Zero; seg = Interop.PocketSphinx.ps_seg_next(seg))
            {
                int sf, ef, ascr, lscr, lback;
                Interop.PocketSphinx.ps_seg_frames(seg, &sf, &ef);
                _ = Interop.PocketSphinx.ps_seg_prob(seg, &ascr, &lscr, &lback);
                acoustic += ascr;

                // The best path spans the whole utterance, so its first segment (usually <sil>) starts at the
                // utterance's first frame; frames are counted from it.
                origin ??= sf;
                var word = Interop.PocketSphinx.ps_seg_word(seg);
                var isSpeech = word != null && (collectWords
                    ? word[0] != (byte)'<' && word[0] != (byte)'[' // a command word, not silence or a filler
                    : word[0] != (byte)'+' && !(word[0] == (byte)'S' && word[1] == (byte)'I' && word[2] == (byte)'L' && word[3] == 0)); // a phone, not SIL or a noise
                if (isSpeech)
                {
                    if (collectWords && word[0] == (byte)'(' && _leadingSkips == words.Count)
                    {
                        _leadingSkips++;
                    }

                    words.Add((sf - origin.Value, ef - origin.Value));
                    if (collectWords)
                    {
                        _wordLengths.Add((ef - sf + 1, ExpectedFrames(decoder, word)));
                    }
                    else
                    {
                        _loopSpeechAcoustic += ascr;
                        _loopSpeechFrames += ef - sf + 1;
                    }
                }

                if (Trace)
                {
                    (collectWords ? GrammarTrace : LoopTrace).Add((Marshal.PtrToStringUTF8((IntPtr)word) ?? "?", sf - origin.Value, ef - origin.Value, ascr));
                }
            }

            return new DecodePass(text, acoustic, Interop.PocketSphinx.ps_get_n_frames(decoder));
        }
        finally
        {
            if (!ended)
            {
                _ = Interop.PocketSphinx.ps_end_utt(decoder);
            }
        }
    }

    /// <summary>The typical length of <paramref name="word"/> (a segment's word, "what(2)" for a variant) from its pronunciation, 0 without one.</summary>
    private static float ExpectedFrames(PocketSphinxSafeHandle decoder, byte* word)
    {
        var phones = Interop.PocketSphinx.ps_lookup_word_utf8(decoder, word);
        if (phones == null)
        {
            return 0f;
        }

        try
        {
            return WordDurations.ExpectedFrames(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(phones));
        }
        finally
        {
            NativeMemory.Free(phones);
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

    /// <summary>
    /// For every pair of words the grammar lets follow one another (<see cref="JsgfGrammar.WordPairs"/>) where a
    /// pronunciation of the first ends in a stop (after at least two other phones: a word of one phone, as "it" would
    /// become, fits almost anything) and one of the second starts with a
    /// stop made at the same place (T/D, P/B, K/G): the first word without that stop, as another pronunciation
    /// ("what time": W AH + T AY M). Only the dictionary's own pronunciations are shortened, each once.
    /// </summary>
    private List<string> AddConnectedSpeechVariants(string jsgf)
    {
        var added = new List<string>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (first, second) in JsgfGrammar.WordPairs(jsgf).OrderBy(p => p.First, StringComparer.Ordinal).ThenBy(p => p.Second, StringComparer.Ordinal))
        {
            var next = Pronunciations(second).Select(p => Place(p[0])).Where(p => p != 0).ToHashSet();
            if (next.Count == 0)
            {
                continue;
            }

            var own = Pronunciations(first);
            foreach (var phones in own)
            {
                if (phones.Length < 3 || !next.Contains(Place(phones[^1])))
                {
                    continue;
                }

                var shorter = string.Join(' ', phones[..^1]);
                if (own.Any(p => string.Join(' ', p) == shorter) || !done.Add(first + " " + shorter))
                {
                    continue;
                }

                var variant = FreeVariantName(first, own.Count + 1);
                GrammarRecognizerException.Check(Interop.PocketSphinx.ps_add_word(_decoder, variant, shorter, 1), "ps_add_word", $"connected-speech variant '{variant}' with phones '{shorter}'");
                added.Add($"{variant} {shorter}");
                LogConnectedSpeech(_logger, variant, shorter, second);
            }
        }

        return added;

        // 1 alveolar, 2 bilabial, 3 velar stop; 0 anything else.
        static int Place(string phone) => phone switch
        {
            "T" or "D" => 1,
            "P" or "B" => 2,
            "K" or "G" => 3,
            _ => 0,
        };
    }

    /// <summary>The first <c>word(N)</c> from <paramref name="from"/> on that the dictionary does not have yet.</summary>
    private string FreeVariantName(string word, int from)
    {
        for (var n = Math.Max(2, from); ; n++)
        {
            var name = $"{word}({n})";
            if (!IsInDictionary(name))
            {
                return name;
            }
        }
    }

    /// <summary>Every pronunciation the dictionary has for <paramref name="word"/> (<c>word</c>, <c>word(2)</c>, ...), as phones.</summary>
    private List<string[]> Pronunciations(string word)
    {
        var found = new List<string[]>();
        for (var n = 1; n <= 16; n++)
        {
            var phones = Interop.PocketSphinx.ps_lookup_word(_decoder, n == 1 ? word : $"{word}({n})");
            if (phones == null)
            {
                if (n > 1)
                {
                    break;
                }

                continue;
            }

            try
            {
                found.Add((Marshal.PtrToStringUTF8((IntPtr)phones) ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            finally
            {
                NativeMemory.Free(phones);
            }
        }

        return found;
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

    [LoggerMessage(EventId = 5203, Level = LogLevel.Debug, Message = "grammar STT: connected-speech pronunciation {Variant} {Phones} (before '{Next}')")]
    private static partial void LogConnectedSpeech(ILogger logger, string variant, string phones, string next);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Debug, Message = "grammar STT rejected '{Text}' (confidence {Confidence})")]
    private static partial void LogRejected(ILogger logger, string text, float confidence);
}
