using System.Diagnostics;
using System.Numerics.Tensors;
using VoiceAppliance.Models.Onnx;

namespace VoiceAppliance.Models.WakeWord;

/// <summary>
/// openWakeWord's streaming chain over one 16 kHz mono stream, for several wake words at once. Audio of any block
/// size is gathered into 80 ms frames (1280 samples); each frame, with the previous frame's last 30 ms as context,
/// gives 8 mel frames (scaled <c>x / 10 + 2</c>, as openWakeWord does to match Google's TensorFlow front end), which
/// slide into a 76-frame mel window; the window gives one 96-value speech embedding, which slides into the embedding
/// history; each classifier scores the last N embeddings (16 = 1.28 s for the pretrained words). The feature models
/// run once per frame for all words. The melspectrogram model clamps each call's log to 80 dB below that call's
/// loudest bin, so its output depends on how the audio is cut into calls: the chain always calls it on one 80 ms frame
/// plus 30 ms of context, as openWakeWord's own streaming does. Every tensor is allocated and bound once: <see cref="Process"/> allocates
/// nothing. Not thread-safe: one detector per stream (the models may be shared).
/// </summary>
public sealed class WakeWordDetector : IDisposable
{
    /// <summary>Frames after a reset whose scores are reported as 0 while the windows fill (openWakeWord does the same).</summary>
    public const int WarmupFrames = 5;

    /// <summary>Seconds of faint noise whose embeddings fill the history after a reset (openWakeWord's 4 s).</summary>
    public const double ResetNoiseSeconds = 4.0;

    /// <summary>Peak of the reset noise as a fraction of full scale (openWakeWord's +-1000 of int16).</summary>
    public const float ResetNoiseAmplitude = 1000f / 32768f;

    private const int MelInputSamples = WakeWordFeatureModels.MelContextSamples + WakeWordFeatureModels.FrameSamples;
    private const int MelWindowValues = WakeWordFeatureModels.EmbeddingWindowFrames * WakeWordFeatureModels.MelBands;
    private const int MelStepValues = WakeWordFeatureModels.MelFramesPerFrame * WakeWordFeatureModels.MelBands;
    private const int Embedding = WakeWordFeatureModels.EmbeddingSize;
    private const int HalfStepValues = MelStepValues / 2;

    private readonly WakeWordFeatureModels _features;
    private readonly WakeWordTarget[] _targets;
    private readonly int _refractoryFrames;
    private readonly float[] _pending = new float[WakeWordFeatureModels.FrameSamples];
    private readonly OnnxTensor<float> _melInput;
    private readonly OnnxTensor<float> _melOutput;
    private readonly OnnxTensor<float> _melWindow;
    private readonly OnnxTensor<float> _embedding;
    private readonly float[] _history;
    private readonly float[] _resetHistory;
    private readonly OnnxTensor<float>[] _windows;
    private readonly OnnxTensor<float>[] _scores;
    private readonly OnnxBinding _melBinding;
    private readonly OnnxBinding _embeddingBinding;
    private readonly OnnxBinding[] _classifierBindings;
    private readonly float[] _lastScores;
    private readonly long[] _holdUntil;
    private readonly int[] _above;
    private readonly WakeWordDetection[] _detections;
    private readonly long[] _classifierTicks;
    private readonly float? _fineFrom;
    private readonly float[]? _melRing;
    private readonly OnnxTensor<float>? _fineWindow;
    private readonly OnnxTensor<float>? _fineEmbedding;
    private readonly float[]? _fineHistory;
    private readonly OnnxTensor<float>[]? _fineWindows;
    private readonly OnnxTensor<float>[]? _fineScoreTensors;
    private readonly OnnxBinding? _fineEmbeddingBinding;
    private readonly OnnxBinding[]? _fineClassifierBindings;
    private readonly float[] _lastFineScores;
    private bool _fineArmed;
    private bool _fineScored;
    private long _fineEmbeddings;
    private float _previousBest;
    private bool _priming;
    private int _primed;
    private int _warmUntil = WarmupFrames;
    private int _pendingCount;
    private int _detectionCount;
    private long _frames;
    private long _melTicks;
    private long _embeddingTicks;
    private bool _disposed;

    /// <summary>A detector for <paramref name="targets"/> over the shared <paramref name="features"/>.</summary>
    /// <param name="features">The feature models (not owned).</param>
    /// <param name="targets">The wake words and their thresholds (models not owned); at least one.</param>
    /// <param name="refractory">After a word is detected it is not detected again for this long (0: every frame at or above the threshold).</param>
    /// <param name="fineHopFrom">
    /// Also score each word 40 ms before the end of each frame (a 40 ms hop: the embedding of the mel window 4 mel
    /// frames back, and the classifiers on a second history of embeddings 80 ms apart) while any word's score of this
    /// frame or the previous one is at or above this pre-threshold: a brief peak between two 80 ms frames is caught,
    /// and the extra CPU is spent only near a candidate. On arming, the second history is computed from the mel frames
    /// kept for it (one embedding per history entry). 0: always; null (default): never (openWakeWord's 80 ms hop).
    /// With it, a word's <see cref="WakeWordTarget.Patience"/> of P frames asks for 2P - 1 consecutive 40 ms scores
    /// (while it is not armed only the 80 ms scores count, so under a threshold below the pre-threshold the run is longer).
    /// </param>
    public WakeWordDetector(WakeWordFeatureModels features, IReadOnlyList<WakeWordTarget> targets, TimeSpan refractory = default, float? fineHopFrom = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0)
        {
            throw new ArgumentException("a wake word detector needs at least one wake word", nameof(targets));
        }

        foreach (var t in targets)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(targets));
            if (!(t.Threshold is > 0f and <= 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(targets), t.Threshold, $"the threshold of wake word '{t.Model.Name}' must be in (0, 1]");
            }

            if (t.Patience is < 1 or > WakeWordTarget.MaxPatience)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), t.Patience, $"the patience of wake word '{t.Model.Name}' must be 1 to {WakeWordTarget.MaxPatience} frames");
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(refractory, TimeSpan.Zero);
        if (fineHopFrom is { } from && !(from is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(fineHopFrom), from, "the fine hop's pre-threshold must be a score in [0, 1]");
        }

        _features = features;
        _targets = [.. targets];
        _refractoryFrames = (int)Math.Ceiling(refractory.TotalSeconds * WakeWordFeatureModels.SampleRate / WakeWordFeatureModels.FrameSamples);
        var maxWindow = _targets.Max(t => t.Model.WindowEmbeddings);

        // The mel window fills after ceil(76 / 8) frames; one more keeps the first call's zero context out of it.
        RoomSamples = (((WakeWordFeatureModels.EmbeddingWindowFrames + WakeWordFeatureModels.MelFramesPerFrame - 1) / WakeWordFeatureModels.MelFramesPerFrame) + 1 + maxWindow) * WakeWordFeatureModels.FrameSamples;
        _history = GC.AllocateArray<float>(maxWindow * Embedding, pinned: true);
        _lastScores = new float[_targets.Length];
        _holdUntil = new long[_targets.Length];
        _above = new int[_targets.Length];
        _detections = new WakeWordDetection[_targets.Length];
        _classifierTicks = new long[_targets.Length];
        _lastFineScores = new float[_targets.Length];
        _windows = new OnnxTensor<float>[_targets.Length];
        _scores = new OnnxTensor<float>[_targets.Length];
        _classifierBindings = new OnnxBinding[_targets.Length];
        _melInput = new OnnxTensor<float>(1, MelInputSamples);
        _melOutput = new OnnxTensor<float>(1, 1, WakeWordFeatureModels.MelFramesPerFrame, WakeWordFeatureModels.MelBands);
        _melWindow = new OnnxTensor<float>(1, WakeWordFeatureModels.EmbeddingWindowFrames, WakeWordFeatureModels.MelBands, 1);
        _embedding = new OnnxTensor<float>(1, 1, 1, Embedding);
        _melBinding = new OnnxBinding(features.Melspectrogram, [features.MelInput], [features.MelOutput]);
        _melBinding.SetInput(0, _melInput);
        _melBinding.SetOutput(0, _melOutput);
        _embeddingBinding = new OnnxBinding(features.Embedding, [features.EmbeddingInput], [features.EmbeddingOutput]);
        _embeddingBinding.SetInput(0, _melWindow);
        _embeddingBinding.SetOutput(0, _embedding);
        for (var i = 0; i < _targets.Length; i++)
        {
            var model = _targets[i].Model;
            var n = model.WindowEmbeddings;

            // Each classifier reads the newest n embeddings straight from the tail of the shared history.
            _windows[i] = new OnnxTensor<float>(_history.AsMemory((maxWindow - n) * Embedding, n * Embedding), [1, n, Embedding]);
            _scores[i] = new OnnxTensor<float>(1, 1);
            _classifierBindings[i] = new OnnxBinding(model.Session, [model.InputName], [model.OutputName]);
            _classifierBindings[i].SetInput(0, _windows[i]);
            _classifierBindings[i].SetOutput(0, _scores[i]);
        }

        if (fineHopFrom is not null)
        {
            // The mel frames of the last maxWindow fine embeddings: the newest one's window ends 4 mel frames (40 ms)
            // before the newest mel frame, each older one 8 frames (80 ms) before the next.
            _fineFrom = fineHopFrom;
            _melRing = new float[MelWindowValues + HalfStepValues + ((maxWindow - 1) * MelStepValues)];
            _fineWindow = new OnnxTensor<float>(1, WakeWordFeatureModels.EmbeddingWindowFrames, WakeWordFeatureModels.MelBands, 1);
            _fineEmbedding = new OnnxTensor<float>(1, 1, 1, Embedding);
            _fineEmbeddingBinding = new OnnxBinding(features.Embedding, [features.EmbeddingInput], [features.EmbeddingOutput]);
            _fineEmbeddingBinding.SetInput(0, _fineWindow);
            _fineEmbeddingBinding.SetOutput(0, _fineEmbedding);
            _fineHistory = GC.AllocateArray<float>(maxWindow * Embedding, pinned: true);
            _fineWindows = new OnnxTensor<float>[_targets.Length];
            _fineScoreTensors = new OnnxTensor<float>[_targets.Length];
            _fineClassifierBindings = new OnnxBinding[_targets.Length];
            for (var i = 0; i < _targets.Length; i++)
            {
                var model = _targets[i].Model;
                var n = model.WindowEmbeddings;
                _fineWindows[i] = new OnnxTensor<float>(_fineHistory.AsMemory((maxWindow - n) * Embedding, n * Embedding), [1, n, Embedding]);
                _fineScoreTensors[i] = new OnnxTensor<float>(1, 1);
                _fineClassifierBindings[i] = new OnnxBinding(model.Session, [model.InputName], [model.OutputName]);
                _fineClassifierBindings[i].SetInput(0, _fineWindows[i]);
                _fineClassifierBindings[i].SetOutput(0, _fineScoreTensors[i]);
            }
        }

        // openWakeWord starts its embedding history as the embeddings of 4 s of faint uniform noise (int16 in
        // [-1000, 1000)), not of the all-1.0 mel window: that window's embedding is a state some classifiers (alexa)
        // score high. Compute the noise history once here and restore a copy of it on every reset.
        _resetHistory = new float[_history.Length];
        PrimeWithNoise();
        _history.CopyTo(_resetHistory, 0);
        TotalFrames = 0;
        Array.Clear(_classifierTicks);
        _melTicks = 0;
        _embeddingTicks = 0;
        _fineEmbeddings = 0;
        Reset();
    }

    /// <summary>The wake words, in the order of <see cref="Scores"/>.</summary>
    public IReadOnlyList<WakeWordTarget> Targets => _targets;

    /// <summary>Each word's score for the last frame (0 during the warm-up: the first <see cref="WarmupFrames"/> after <see cref="Reset()"/>; see <see cref="Reset(ReadOnlySpan{float})"/>).</summary>
    public ReadOnlySpan<float> Scores => _lastScores;

    /// <summary>
    /// Each word's score 40 ms before the end of the last frame when the fine hop scored there (see
    /// <see cref="FineScored"/>); 0 otherwise.
    /// </summary>
    public ReadOnlySpan<float> FineScores => _lastFineScores;

    /// <summary>True when the last frame was also scored 40 ms before its end (the fine hop was armed).</summary>
    public bool FineScored => _fineScored;

    /// <summary>True when the detector scores 40 ms between frames near a candidate (see the constructor's fineHopFrom).</summary>
    public bool FineHop => _fineFrom is not null;

    /// <summary>Embeddings computed for the fine hop since the detector was made (each frame armed, plus the history on arming).</summary>
    public long FineEmbeddings => _fineEmbeddings;

    /// <summary>Words detected in the last frame (empty unless <see cref="Process"/> just returned true and a word crossed its threshold).</summary>
    public ReadOnlySpan<WakeWordDetection> Detections => _detections.AsSpan(0, _detectionCount);

    /// <summary>
    /// Samples of room audio that <see cref="Reset(ReadOnlySpan{float})"/> replays at most: enough to fill the mel
    /// window and then the whole embedding history from it (27 frames, 2.16 s, for the pretrained words).
    /// </summary>
    public int RoomSamples { get; }

    /// <summary>Frames of room audio replayed at the last reset (0 after <see cref="Reset()"/>).</summary>
    public int RoomFrames => _primed;

    /// <summary>The embedding history a reset restores (the embeddings of the reset noise), oldest first.</summary>
    internal ReadOnlySpan<float> ResetHistory => _resetHistory;

    /// <summary>80 ms frames scored since the last reset.</summary>
    public long Frames => _frames;

    /// <summary>80 ms frames scored since the detector was made (resets do not clear it).</summary>
    public long TotalFrames { get; private set; }

    /// <summary>Samples consumed since the last reset (scored frames plus the partial frame waiting).</summary>
    public long Samples => (_frames * WakeWordFeatureModels.FrameSamples) + _pendingCount;

    /// <summary>Time spent in the melspectrogram model since the detector was made.</summary>
    public TimeSpan MelspectrogramTime => Stopwatch.GetElapsedTime(0, _melTicks);

    /// <summary>Time spent in the embedding model since the detector was made.</summary>
    public TimeSpan EmbeddingTime => Stopwatch.GetElapsedTime(0, _embeddingTicks);

    /// <summary>Time spent in classifier <paramref name="index"/> since the detector was made.</summary>
    public TimeSpan ClassifierTime(int index) => Stopwatch.GetElapsedTime(0, _classifierTicks[index]);

    /// <summary>
    /// Consumes samples of <paramref name="audio"/> (16 kHz mono in [-1, 1]) up to the end of the next 80 ms frame,
    /// advancing the span past them. Returns true when a frame was completed and scored (see <see cref="Scores"/> and
    /// <see cref="Detections"/>); false when all of <paramref name="audio"/> was taken without completing one. Call in a
    /// loop until it returns false. Allocates nothing.
    /// </summary>
    /// <exception cref="OnnxRuntimeException">A model failed to run.</exception>
    public bool Process(ref ReadOnlySpan<float> audio)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _detectionCount = 0;
        var take = Math.Min(audio.Length, _pending.Length - _pendingCount);
        audio[..take].CopyTo(_pending.AsSpan(_pendingCount));
        _pendingCount += take;
        audio = audio[take..];
        if (_pendingCount < _pending.Length)
        {
            return false;
        }

        _pendingCount = 0;
        RunFrame();
        return true;
    }

    /// <summary>Forgets the stream: context, windows, pending samples and refractory holds; the next frames warm up again.</summary>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _pendingCount = 0;
        _frames = 0;
        _detectionCount = 0;
        _melInput.Span.Clear();

        // As openWakeWord starts: the mel window at 1.0, the embedding history as the embeddings of faint noise
        // (computed once in the constructor; a copy, no inference).
        _melWindow.Span.Fill(1f);
        _resetHistory.CopyTo(_history, 0);
        Array.Clear(_lastScores);
        Array.Clear(_lastFineScores);
        Array.Clear(_holdUntil);
        Array.Clear(_above);
        _previousBest = 0f;
        _fineArmed = false;
        _fineScored = false;
        _melRing?.AsSpan().Fill(1f);
        _primed = 0;
        _warmUntil = WarmupFrames;
    }

    /// <summary>
    /// Forgets the stream as <see cref="Reset()"/> does, then runs <paramref name="room"/> (the room's own sound, heard
    /// before; 16 kHz mono in [-1, 1]) through the chain unscored, so the windows and the embedding history hold the
    /// room instead of the synthetic reset noise: the room's noise that follows is then no change of input for the
    /// classifiers. Only the last <see cref="RoomSamples"/>, whole frames, are replayed. After a full replay the next
    /// frame is scored; with less (none at all: a start with no room heard yet) no score is reported until the replayed
    /// and the new audio together make <see cref="RoomSamples"/>, so no score rests on the synthetic reset state (the
    /// thresholds tuned with this reset are too low for it). Nothing is reported for the replayed audio, and
    /// <see cref="Frames"/> and <see cref="Samples"/> start from 0 after it. Allocates nothing; runs the feature models
    /// once per replayed frame.
    /// </summary>
    /// <exception cref="OnnxRuntimeException">A model failed to run.</exception>
    public void Reset(ReadOnlySpan<float> room)
    {
        Reset();
        _warmUntil = RoomSamples / WakeWordFeatureModels.FrameSamples;
        var frames = Math.Min(room.Length, RoomSamples) / WakeWordFeatureModels.FrameSamples;
        if (frames == 0)
        {
            return;
        }

        room = room[^(frames * WakeWordFeatureModels.FrameSamples)..];
        _priming = true;
        try
        {
            for (var f = 0; f < frames; f++)
            {
                room.Slice(f * WakeWordFeatureModels.FrameSamples, WakeWordFeatureModels.FrameSamples).CopyTo(_pending);
                RunFrame();
            }
        }
        finally
        {
            _priming = false;
        }

        _frames = 0;
        _primed = frames;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _melBinding.Dispose();
        _embeddingBinding.Dispose();
        foreach (var b in _classifierBindings)
        {
            b.Dispose();
        }

        foreach (var t in _windows)
        {
            t.Dispose();
        }

        foreach (var t in _scores)
        {
            t.Dispose();
        }

        _fineEmbeddingBinding?.Dispose();
        foreach (var b in _fineClassifierBindings ?? [])
        {
            b.Dispose();
        }

        foreach (var t in _fineWindows ?? [])
        {
            t.Dispose();
        }

        foreach (var t in _fineScoreTensors ?? [])
        {
            t.Dispose();
        }

        _fineWindow?.Dispose();
        _fineEmbedding?.Dispose();
        _melInput.Dispose();
        _melOutput.Dispose();
        _melWindow.Dispose();
        _embedding.Dispose();
    }

    /// <summary>
    /// Runs the chain from the all-1.0 mel window over <see cref="ResetNoiseSeconds"/> of deterministic uniform noise
    /// (peak <see cref="ResetNoiseAmplitude"/>), leaving the noise's embeddings in the history. Called once, at construction.
    /// </summary>
    private void PrimeWithNoise()
    {
        _pendingCount = 0;
        _frames = 0;
        _melInput.Span.Clear();
        _melWindow.Span.Fill(1f);
        _history.AsSpan().Clear();
        var frames = (int)Math.Ceiling(ResetNoiseSeconds * WakeWordFeatureModels.SampleRate / WakeWordFeatureModels.FrameSamples);

        // A fixed xorshift generator, so every detector (and every run) starts from the same state.
        _priming = true;
        var state = 0x9E3779B9u;
        for (var f = 0; f < frames; f++)
        {
            for (var i = 0; i < _pending.Length; i++)
            {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                _pending[i] = ((state / (float)uint.MaxValue * 2f) - 1f) * ResetNoiseAmplitude;
            }

            RunFrame();
        }

        _priming = false;
    }

    private void RunFrame()
    {
        // The melspectrogram takes int16-scale samples: 30 ms of context, then the new 80 ms.
        var melIn = _melInput.Span;
        TensorPrimitives.Multiply(_pending, 32768f, melIn[WakeWordFeatureModels.MelContextSamples..]);
        var t0 = Stopwatch.GetTimestamp();
        _melBinding.Run();
        var t1 = Stopwatch.GetTimestamp();
        _melTicks += t1 - t0;
        melIn[^WakeWordFeatureModels.MelContextSamples..].CopyTo(melIn);

        // Slide the mel window by 8 frames and append the new ones, scaled as openWakeWord does.
        var window = _melWindow.Span;
        window[MelStepValues..].CopyTo(window);
        var fresh = window[(MelWindowValues - MelStepValues)..];
        TensorPrimitives.Multiply(_melOutput.Span, 0.1f, fresh);
        TensorPrimitives.Add(fresh, 2f, fresh);
        if (_melRing is not null)
        {
            _melRing.AsSpan(MelStepValues).CopyTo(_melRing);
            fresh.CopyTo(_melRing.AsSpan(_melRing.Length - MelStepValues));
        }

        _embeddingBinding.Run();
        var t2 = Stopwatch.GetTimestamp();
        _embeddingTicks += t2 - t1;

        // Slide the embedding history by one and append the new embedding.
        var history = _history.AsSpan();
        history[Embedding..].CopyTo(history);
        _embedding.Span.CopyTo(history[^Embedding..]);

        _frames++;
        if (_priming)
        {
            // Building the history (the reset noise, or room audio at a reset): nothing is scored.
            return;
        }

        TotalFrames++;
        var warm = _frames + _primed > _warmUntil;
        var best = 0f;
        for (var i = 0; i < _targets.Length; i++)
        {
            var c0 = Stopwatch.GetTimestamp();
            _classifierBindings[i].Run();
            _classifierTicks[i] += Stopwatch.GetTimestamp() - c0;
            var score = _scores[i].Span[0];
            score = warm && float.IsFinite(score) ? score : 0f;
            _lastScores[i] = score;
            best = Math.Max(best, score);
        }

        // The fine hop: armed while this frame's or the previous frame's best score reaches the pre-threshold.
        var armed = _fineFrom is { } from && warm && Math.Max(best, _previousBest) >= from;
        _previousBest = best;
        _fineScored = armed;
        if (armed)
        {
            ScoreFine(rebuild: !_fineArmed);
        }

        _fineArmed = armed;
        var fine = _fineFrom is not null;
        for (var i = 0; i < _targets.Length; i++)
        {
            // In time order: 40 ms before the frame's end, then its end. With the fine hop a patience of P frames
            // spans 2P - 1 scores 40 ms apart.
            var needed = fine ? (2 * _targets[i].Patience) - 1 : _targets[i].Patience;
            if (armed)
            {
                Count(i, _lastFineScores[i], needed, (_frames * WakeWordFeatureModels.FrameSamples) - (WakeWordFeatureModels.FrameSamples / 2));
            }
            else
            {
                _lastFineScores[i] = 0f;
            }

            Count(i, _lastScores[i], needed, _frames * WakeWordFeatureModels.FrameSamples);
        }
    }

    private void Count(int i, float score, int needed, long position)
    {
        _above[i] = score >= _targets[i].Threshold ? _above[i] + 1 : 0;
        if (_above[i] >= needed && _frames >= _holdUntil[i])
        {
            _holdUntil[i] = _frames + Math.Max(1, _refractoryFrames);
            _detections[_detectionCount++] = new WakeWordDetection(i, _targets[i].Model.Name, score, position);
        }
    }

    /// <summary>
    /// Scores every word 40 ms before the end of the newest frame. <paramref name="rebuild"/>: the fine history is
    /// stale (the hop was not armed on the previous frame), so every entry is computed again from the mel ring (entries
    /// older than the last reset take the reset noise's embeddings, as the 80 ms history does); otherwise it slides by
    /// one and only the newest entry is computed.
    /// </summary>
    private void ScoreFine(bool rebuild)
    {
        var ring = _melRing!;
        var history = _fineHistory!.AsSpan();
        var entries = history.Length / Embedding;
        var t0 = Stopwatch.GetTimestamp();
        if (rebuild)
        {
            for (var k = entries - 1; k >= 0; k--)
            {
                var slot = history.Slice((entries - 1 - k) * Embedding, Embedding);
                if (k >= _frames + _primed)
                {
                    _resetHistory.AsSpan((entries - 1 - k) * Embedding, Embedding).CopyTo(slot);
                }
                else
                {
                    FineEmbedding(ring, k, slot);
                }
            }
        }
        else
        {
            history[Embedding..].CopyTo(history);
            FineEmbedding(ring, 0, history[^Embedding..]);
        }

        _embeddingTicks += Stopwatch.GetTimestamp() - t0;
        var warm = _frames + _primed > _warmUntil;
        for (var i = 0; i < _targets.Length; i++)
        {
            var c0 = Stopwatch.GetTimestamp();
            _fineClassifierBindings![i].Run();
            _classifierTicks[i] += Stopwatch.GetTimestamp() - c0;
            var score = _fineScoreTensors![i].Span[0];
            _lastFineScores[i] = warm && float.IsFinite(score) ? score : 0f;
        }
    }

    /// <summary>The embedding of the mel window that ends 4 + 8k mel frames before the newest one, into <paramref name="into"/>.</summary>
    private void FineEmbedding(float[] ring, int k, Span<float> into)
    {
        var end = ring.Length - HalfStepValues - (k * MelStepValues);
        ring.AsSpan(end - MelWindowValues, MelWindowValues).CopyTo(_fineWindow!.Span);
        _fineEmbeddingBinding!.Run();
        _fineEmbedding!.Span.CopyTo(into);
        _fineEmbeddings++;
    }
}
