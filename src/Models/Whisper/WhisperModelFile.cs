using System.Buffers.Binary;
using System.Globalization;

namespace VoiceAppliance.Models.Whisper;

/// <summary>The hyper-parameters in a ggml Whisper model header, in file order.</summary>
/// <param name="VocabularySize">n_vocab: 51864 for English-only models, 51865 multilingual, 51866 large-v3.</param>
/// <param name="AudioContext">n_audio_ctx: encoder positions (1500 for 30 s windows).</param>
/// <param name="AudioState">n_audio_state: encoder width (384 for tiny).</param>
/// <param name="AudioHeads">n_audio_head.</param>
/// <param name="AudioLayers">n_audio_layer (4 for tiny).</param>
/// <param name="TextContext">n_text_ctx: decoder positions (448).</param>
/// <param name="TextState">n_text_state: decoder width, equal to the encoder width.</param>
/// <param name="TextHeads">n_text_head.</param>
/// <param name="TextLayers">n_text_layer.</param>
/// <param name="MelBands">n_mels: 80, or 128 for large-v3.</param>
/// <param name="FileType">ftype: 0 f32, 1 f16, or a quantized type.</param>
public sealed record WhisperHyperParameters(
    int VocabularySize,
    int AudioContext,
    int AudioState,
    int AudioHeads,
    int AudioLayers,
    int TextContext,
    int TextState,
    int TextHeads,
    int TextLayers,
    int MelBands,
    int FileType)
{
    /// <summary>Whether the vocabulary has language tokens (n_vocab above 51864).</summary>
    public bool IsMultilingual => VocabularySize >= 51865;

    /// <summary>The dimensions of whisper tiny.en (39 M parameters).</summary>
    public static WhisperHyperParameters TinyEnglish { get; } = new(51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1);
}

/// <summary>
/// The legacy ggml Whisper file format that whisper.cpp (1.8.5, as Whisper.net.Runtime 1.9.1 ships it) loads (<c>whisper_model_load</c>): magic
/// <c>0x67676d6c</c>, 11 int32 hyper-parameters, mel filters, the tokenizer vocabulary, then tensor records
/// (n_dims, name length, type, dims, name, data) until the end of the file.
/// </summary>
/// <remarks>
/// whisper.cpp reads a damaged file without bounds checks (a truncated vocabulary or an absurd count can
/// end the process), so <see cref="Validate"/> walks the whole structure in managed code first and
/// rejects the file with a message naming the file, the problem and the fix.
/// </remarks>
internal static class WhisperModelFile
{
    internal const uint GgmlMagic = 0x67676d6c;
    internal const uint GgufMagic = 0x46554747;
    internal const int MelFftBins = 201;
    internal const int FileTypeQuantVersionFactor = 1000;

    internal const int TypeF32 = 0;
    internal const int TypeF16 = 1;

    private const string Fix = "download the model again (ggml-tiny.en.bin or ggml-base.en.bin from the whisper.cpp model repository) and compare its sha256 with the published one";

    /// <summary>One tensor whisper.cpp expects: name, ggml dims (ne0 first) and ggml type.</summary>
    internal readonly record struct TensorSpec(string Name, int[] Shape, int Type)
    {
        public long Elements
        {
            get
            {
                long n = 1;
                foreach (var d in Shape)
                {
                    n *= d;
                }

                return n;
            }
        }
    }

    /// <summary>ggml type of the big matrices for a file type (ftype % 1000), or -1 when unknown.</summary>
    internal static int WeightType(int fileType) => (fileType % FileTypeQuantVersionFactor) switch
    {
        0 => TypeF32,
        1 => TypeF16,
        2 => 2, // Q4_0
        3 => 3, // Q4_1
        7 => 8, // Q8_0
        8 => 6, // Q5_0
        9 => 7, // Q5_1
        _ => -1,
    };

    /// <summary>Bytes of <paramref name="elements"/> values of ggml <paramref name="type"/>, or -1 if unknown.</summary>
    internal static long TensorBytes(int type, long elements) => type switch
    {
        TypeF32 => elements * 4,
        TypeF16 => elements * 2,
        2 => elements / 32 * 18,
        3 => elements / 32 * 20,
        6 => elements / 32 * 22,
        7 => elements / 32 * 24,
        8 => elements / 32 * 34,
        _ => -1,
    };

    /// <summary>The tensors whisper.cpp creates for <paramref name="h"/>, in the order it creates them.</summary>
    internal static List<TensorSpec> ExpectedTensors(WhisperHyperParameters h)
    {
        var w = WeightType(h.FileType);
        var v = w == TypeF32 ? TypeF32 : TypeF16;
        const int f = TypeF32;
        var s = h.AudioState;
        var t = h.TextState;
        var list = new List<TensorSpec>
        {
            new("encoder.positional_embedding", [s, h.AudioContext], f),
            new("encoder.conv1.weight", [3, h.MelBands, s], v),
            new("encoder.conv1.bias", [1, s], f),
            new("encoder.conv2.weight", [3, s, s], v),
            new("encoder.conv2.bias", [1, s], f),
            new("encoder.ln_post.weight", [s], f),
            new("encoder.ln_post.bias", [s], f),
        };
        for (var i = 0; i < h.AudioLayers; i++)
        {
            AddBlock(list, "encoder.blocks." + i.ToString(CultureInfo.InvariantCulture), s, w, cross: false);
        }

        list.Add(new("decoder.positional_embedding", [t, h.TextContext], f));
        list.Add(new("decoder.token_embedding.weight", [t, h.VocabularySize], w));
        list.Add(new("decoder.ln.weight", [t], f));
        list.Add(new("decoder.ln.bias", [t], f));
        for (var i = 0; i < h.TextLayers; i++)
        {
            AddBlock(list, "decoder.blocks." + i.ToString(CultureInfo.InvariantCulture), t, w, cross: true);
        }

        return list;
    }

    private static void AddBlock(List<TensorSpec> list, string p, int s, int w, bool cross)
    {
        const int f = TypeF32;
        list.Add(new(p + ".mlp_ln.weight", [s], f));
        list.Add(new(p + ".mlp_ln.bias", [s], f));
        list.Add(new(p + ".mlp.0.weight", [s, 4 * s], w));
        list.Add(new(p + ".mlp.0.bias", [4 * s], f));
        list.Add(new(p + ".mlp.2.weight", [4 * s, s], w));
        list.Add(new(p + ".mlp.2.bias", [s], f));
        AddAttention(list, p, "attn", s, w);
        if (cross)
        {
            AddAttention(list, p, "cross_attn", s, w);
        }
    }

    private static void AddAttention(List<TensorSpec> list, string p, string a, int s, int w)
    {
        const int f = TypeF32;
        list.Add(new($"{p}.{a}_ln.weight", [s], f));
        list.Add(new($"{p}.{a}_ln.bias", [s], f));
        list.Add(new($"{p}.{a}.query.weight", [s, s], w));
        list.Add(new($"{p}.{a}.query.bias", [s], f));
        list.Add(new($"{p}.{a}.key.weight", [s, s], w));
        list.Add(new($"{p}.{a}.value.weight", [s, s], w));
        list.Add(new($"{p}.{a}.value.bias", [s], f));
        list.Add(new($"{p}.{a}.out.weight", [s, s], w));
        list.Add(new($"{p}.{a}.out.bias", [s], f));
    }

    /// <summary>
    /// Checks that <paramref name="path"/> is a complete ggml Whisper model whisper.cpp can load.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a ggml Whisper model, is truncated, or a tensor is missing or misshapen; the message names the file and the problem.</exception>
    internal static WhisperHyperParameters Validate(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Whisper model '{path}' does not exist. Fix: set the model path to a ggml Whisper model (for example models/ggml-tiny.en.bin) or {Fix}.",
                path);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var reader = new Reader(stream, path);
        var length = stream.Length;
        if (length < 4)
        {
            throw Bad(path, $"it is {length} bytes long, too short for a model header (the file is empty or truncated)");
        }

        var magic = reader.UInt32("magic");
        if (magic == GgufMagic)
        {
            throw Bad(path, "it is a GGUF file (another architecture: a llama.cpp-style model, not a ggml Whisper model); whisper.cpp loads ggml Whisper models with magic 0x67676d6c");
        }

        if (magic != GgmlMagic)
        {
            throw Bad(path, $"wrong magic 0x{magic:x8} (expected 0x{GgmlMagic:x8} 'ggml'); this is not a ggml Whisper model");
        }

        var h = new WhisperHyperParameters(
            reader.Int32("n_vocab"), reader.Int32("n_audio_ctx"), reader.Int32("n_audio_state"), reader.Int32("n_audio_head"),
            reader.Int32("n_audio_layer"), reader.Int32("n_text_ctx"), reader.Int32("n_text_state"), reader.Int32("n_text_head"),
            reader.Int32("n_text_layer"), reader.Int32("n_mels"), reader.Int32("ftype"));
        CheckArchitecture(path, h);

        var nMel = reader.Int32("mel filter count");
        var nFft = reader.Int32("mel filter FFT bins");
        if (nMel != h.MelBands || nFft != MelFftBins)
        {
            throw Bad(path, $"mel filters are {nMel}x{nFft}, expected {h.MelBands}x{MelFftBins}");
        }

        reader.Skip((long)nMel * nFft * 4, "mel filters");

        var nTokens = reader.Int32("vocabulary size");
        if (nTokens < 0 || nTokens > h.VocabularySize)
        {
            throw Bad(path, $"the vocabulary holds {nTokens} tokens, expected at most n_vocab = {h.VocabularySize}");
        }

        for (var i = 0; i < nTokens; i++)
        {
            var len = reader.UInt32("token length");
            if (len > 1024)
            {
                throw Bad(path, $"token {i} claims {len} bytes (at most 1024 expected); the vocabulary is damaged");
            }

            reader.Skip(len, "vocabulary");
        }

        var expected = ExpectedTensors(h).ToDictionary(x => x.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Span<byte> name = stackalloc byte[256];
        while (stream.Position < length)
        {
            var nDims = reader.Int32("tensor dims");
            var nameLength = reader.Int32("tensor name length");
            var type = reader.Int32("tensor type");
            if (nDims is < 1 or > 4 || nameLength is < 1 or > 256)
            {
                throw Bad(path, $"tensor record at byte {stream.Position - 12} has {nDims} dims and a {nameLength}-byte name; the tensor data is damaged");
            }

            var shape = new int[nDims];
            for (var d = 0; d < nDims; d++)
            {
                shape[d] = reader.Int32("tensor dim");
            }

            reader.Read(name[..nameLength], "tensor name");
            var tensorName = System.Text.Encoding.UTF8.GetString(name[..nameLength]);
            if (!expected.TryGetValue(tensorName, out var spec))
            {
                throw Bad(path, $"unknown tensor '{tensorName}' (not part of a Whisper model with these hyper-parameters)");
            }

            if (!seen.Add(tensorName))
            {
                throw Bad(path, $"tensor '{tensorName}' appears twice");
            }

            if (!SameShape(shape, spec.Shape))
            {
                throw Bad(path, $"tensor '{tensorName}' has shape [{string.Join(", ", shape)}], expected [{string.Join(", ", spec.Shape)}]");
            }

            if (type != spec.Type)
            {
                throw Bad(path, $"tensor '{tensorName}' has ggml type {type}, expected {spec.Type} for ftype {h.FileType}");
            }

            reader.Skip(TensorBytes(type, spec.Elements), $"tensor '{tensorName}'");
        }

        if (seen.Count != expected.Count)
        {
            var missing = expected.Keys.First(k => !seen.Contains(k));
            throw Bad(path, $"{expected.Count - seen.Count} of {expected.Count} tensors are missing (first: '{missing}'); the file is truncated");
        }

        return h;
    }

    private static void CheckArchitecture(string path, WhisperHyperParameters h)
    {
        var problems = new List<string>();
        if (h.VocabularySize is < 51864 or > 51866)
        {
            problems.Add($"n_vocab {h.VocabularySize} (Whisper: 51864-51866)");
        }

        if (h.AudioContext != 1500)
        {
            problems.Add($"n_audio_ctx {h.AudioContext} (Whisper: 1500)");
        }

        if (h.AudioState <= 0 || h.AudioState != h.TextState)
        {
            problems.Add($"n_audio_state {h.AudioState} / n_text_state {h.TextState} (Whisper: equal and positive)");
        }

        if (h.AudioHeads <= 0 || h.TextHeads <= 0 || h.AudioState % Math.Max(1, h.AudioHeads) != 0 || h.TextState % Math.Max(1, h.TextHeads) != 0)
        {
            problems.Add($"heads {h.AudioHeads}/{h.TextHeads} do not divide the width {h.AudioState}");
        }

        if (h.AudioLayers is < 1 or > 64 || h.TextLayers is < 1 or > 64)
        {
            problems.Add($"layers {h.AudioLayers}/{h.TextLayers} (Whisper: 1-64)");
        }

        if (h.TextContext is < 8 or > 448)
        {
            problems.Add($"n_text_ctx {h.TextContext} (Whisper: up to 448)");
        }

        if (h.MelBands is not (80 or 128))
        {
            problems.Add($"n_mels {h.MelBands} (Whisper: 80 or 128)");
        }

        if (WeightType(h.FileType) < 0)
        {
            problems.Add($"ftype {h.FileType} (supported: 0 f32, 1 f16, 2, 3, 7, 8, 9 quantized)");
        }

        if (problems.Count > 0)
        {
            throw Bad(path, "its header is not a Whisper model's (another architecture or a damaged header): " + string.Join("; ", problems));
        }
    }

    private static bool SameShape(int[] actual, int[] expected)
    {
        for (var i = 0; i < 4; i++)
        {
            var a = i < actual.Length ? actual[i] : 1;
            var e = i < expected.Length ? expected[i] : 1;
            if (a != e)
            {
                return false;
            }
        }

        return true;
    }

    private static InvalidDataException Bad(string path, string problem) =>
        new($"Whisper model '{path}' is not usable: {problem}. Fix: {Fix}.");

    private sealed class Reader(Stream stream, string path)
    {
        private readonly byte[] _buffer = new byte[4];

        public int Int32(string what)
        {
            Read(_buffer, what);
            return BinaryPrimitives.ReadInt32LittleEndian(_buffer);
        }

        public uint UInt32(string what)
        {
            Read(_buffer, what);
            return BinaryPrimitives.ReadUInt32LittleEndian(_buffer);
        }

        public void Read(Span<byte> into, string what)
        {
            if (stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false) != into.Length)
            {
                throw Bad(path, $"the file ends inside the {what} at byte {stream.Position} (truncated)");
            }
        }

        public void Skip(long bytes, string what)
        {
            if (bytes < 0 || stream.Position + bytes > stream.Length)
            {
                throw Bad(path, $"the file ends inside the {what}: {bytes} bytes needed at byte {stream.Position}, {stream.Length - stream.Position} left (truncated)");
            }

            stream.Seek(bytes, SeekOrigin.Current);
        }
    }
}
