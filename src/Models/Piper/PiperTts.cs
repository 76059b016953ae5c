using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using VoiceAppliance.Models.Onnx;
using VoiceAppliance.Models.Text;

namespace VoiceAppliance.Models.Piper;

/// <summary>
/// Piper text to speech: sentences (C#) -> IPA phonemes (libespeak-ng) -> ids (BOS, pad-interspersed, EOS) -> VITS
/// ONNX model -> float PCM at the voice's rate, one chunk per sentence so the first sentence plays while the rest are
/// synthesized. Cancellation stops between sentences and aborts a sentence in progress inside ONNX Runtime.
/// Unknown phonemes are skipped; text with nothing speakable yields no chunk; audio is never NaN and never clips.
/// </summary>
public sealed class PiperTts : ITextToSpeech, IDisposable
{
    private readonly PiperVoice _voice;
    private readonly bool _ownsVoice;
    private readonly PiperTtsOptions _defaults;
    private int _terminatedRuns;

    /// <summary>Synthesizes with <paramref name="voice"/> (not disposed by this instance).</summary>
    public PiperTts(PiperVoice voice, PiperTtsOptions? defaults = null)
        : this(voice, defaults, ownsVoice: false)
    {
    }

    private PiperTts(PiperVoice voice, PiperTtsOptions? defaults, bool ownsVoice)
    {
        ArgumentNullException.ThrowIfNull(voice);
        _voice = voice;
        _ownsVoice = ownsVoice;
        _defaults = defaults ?? new PiperTtsOptions();
    }

    /// <summary>Loads the voice at <paramref name="voicePath"/> and owns it.</summary>
    public static PiperTts Open(string voicePath, PiperVoiceOptions? voiceOptions = null, PiperTtsOptions? defaults = null) =>
        new(PiperVoice.Load(voicePath, voiceOptions), defaults, ownsVoice: true);

    /// <inheritdoc/>
    public string Name => "piper:" + Path.GetFileName(Path.GetDirectoryName(_voice.ModelPath));

    /// <inheritdoc/>
    public int SampleRate => _voice.SampleRate;

    /// <summary>The voice.</summary>
    public PiperVoice Voice => _voice;

    /// <summary>Model runs that ONNX Runtime stopped part-way because their request was cancelled (for tests and diagnostics).</summary>
    internal int TerminatedRuns => Volatile.Read(ref _terminatedRuns);

    /// <summary>Test hook: called on the synthesis thread just before a sentence's model run starts.</summary>
    internal Action? ModelRunStarting { get; init; }

    /// <inheritdoc/>
    public async IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = Resolve(options);
        var sentences = SentenceSplitter.Split(text);
        for (var i = 0; i < sentences.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sentence = sentences[i];
            var samples = await Task.Run(() => SynthesizeSentence(sentence, settings, cancellationToken), cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (samples.Length > 0)
            {
                yield return new AudioChunk(samples, _voice.SampleRate, i, sentence);
            }
        }
    }

    /// <summary>Synthesizes all of <paramref name="text"/> into one buffer at the voice's rate (sentence silences included).</summary>
    public float[] Synthesize(string text, SynthesisOptions? options = null, CancellationToken cancellationToken = default)
    {
        var settings = Resolve(options);
        var parts = new List<float[]>();
        foreach (var sentence in SentenceSplitter.Split(text))
        {
            cancellationToken.ThrowIfCancellationRequested();
            parts.Add(SynthesizeSentence(sentence, settings, cancellationToken));
        }

        var result = new float[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var p in parts)
        {
            p.CopyTo(result, offset);
            offset += p.Length;
        }

        return result;
    }

    /// <summary>IPA phonemes of one sentence, as the voice will speak it.</summary>
    public string Phonemize(string sentence) => EspeakPhonemizer.Phonemize(sentence, _voice.EspeakVoice, _voice.EspeakDataPath);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsVoice)
        {
            _voice.Dispose();
        }
    }

    private Settings Resolve(SynthesisOptions? options)
    {
        var speaker = options?.Speaker ?? _defaults.Speaker;
        if (speaker < 0 || speaker >= _voice.SpeakerCount)
        {
            throw new ArgumentOutOfRangeException(nameof(options), speaker, $"speaker {speaker} does not exist: voice '{_voice.ModelPath}' has speakers 0..{_voice.SpeakerCount - 1}");
        }

        var speed = options?.Speed ?? _defaults.Speed;
        if (!(speed is >= 0.1f and <= 10f))
        {
            throw new ArgumentOutOfRangeException(nameof(options), speed, "speed must be between 0.1 and 10 (1 is normal)");
        }

        var volume = options?.Volume ?? _defaults.Volume;
        if (!(volume is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(options), volume, "volume must be between 0 and 1");
        }

        var silence = options?.SentenceSilence ?? _defaults.SentenceSilence;
        if (silence < TimeSpan.Zero || silence > TimeSpan.FromSeconds(10))
        {
            throw new ArgumentOutOfRangeException(nameof(options), silence, "sentence silence must be between 0 and 10 s");
        }

        return new Settings(
            speaker,
            _defaults.NoiseScale ?? _voice.NoiseScale,
            _voice.LengthScale / speed,
            _defaults.NoiseW ?? _voice.NoiseW,
            volume,
            (int)Math.Round(silence.TotalSeconds * _voice.SampleRate));
    }

    private float[] SynthesizeSentence(string sentence, Settings settings, CancellationToken cancellationToken)
    {
        var phonemes = Phonemize(sentence);
        var ids = _voice.PhonemesToIds(phonemes, out _);
        if (ids.Count <= 3 || string.IsNullOrWhiteSpace(phonemes))
        {
            return [];
        }

        var audio = RunModel(ids, settings, cancellationToken);
        Finish(audio, settings.Volume);
        if (settings.SilenceSamples == 0)
        {
            return audio;
        }

        var withSilence = new float[audio.Length + settings.SilenceSamples];
        audio.CopyTo(withSilence, 0);
        return withSilence;
    }

    private float[] RunModel(List<long> ids, Settings settings, CancellationToken cancellationToken)
    {
        var session = _voice.Session;
        string[] inputNames = _voice.HasSpeakerInput ? ["input", "input_lengths", "scales", "sid"] : ["input", "input_lengths", "scales"];
        using var binding = new OnnxBinding(session, inputNames, [session.Outputs[0].Name]);
        using var input = new OnnxTensor<long>(1, ids.Count);
        using var lengths = new OnnxTensor<long>(1);
        using var scales = new OnnxTensor<float>(3);
        using var sid = new OnnxTensor<long>(1);
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids).CopyTo(input.Span);
        lengths.Span[0] = ids.Count;
        scales.Span[0] = settings.NoiseScale;
        scales.Span[1] = settings.LengthScale;
        scales.Span[2] = settings.NoiseW;
        sid.Span[0] = settings.Speaker;
        binding.SetInput(0, input);
        binding.SetInput(1, lengths);
        binding.SetInput(2, scales);
        if (_voice.HasSpeakerInput)
        {
            binding.SetInput(3, sid);
        }

        // A cancel at any moment ends the sentence: one that lands before the run arms the terminate flag (Register
        // runs the callback at once on a cancelled token), one during the run stops ORT between graph nodes, and one
        // that lands after ORT's last check is caught by the check after the run. No moment is left uncovered.
        using (cancellationToken.Register(static b => ((OnnxBinding)b!).Terminate(), binding))
        {
            try
            {
                ModelRunStarting?.Invoke();
                binding.Run();
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _terminatedRuns);
                throw new OperationCanceledException(cancellationToken);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var output = binding.TakeOutput(0);
        return output.AsSpan<float>().ToArray();
    }

    /// <summary>NaN/inf to silence, peaks above full scale limited, then the volume applied.</summary>
    internal static void Finish(Span<float> audio, float volume)
    {
        for (var i = 0; i < audio.Length; i++)
        {
            if (!float.IsFinite(audio[i]))
            {
                audio[i] = 0f;
            }
        }

        var peak = audio.IsEmpty ? 0f : Math.Abs(TensorPrimitives.MaxMagnitude(audio));
        var gain = volume * (peak > 0.99f ? 0.99f / peak : 1f);
        if (gain != 1f)
        {
            TensorPrimitives.Multiply(audio, gain, audio);
        }
    }

    private readonly record struct Settings(int Speaker, float NoiseScale, float LengthScale, float NoiseW, float Volume, int SilenceSamples);
}
