using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace VoiceAppliance.Models.Whisper;

/// <summary>
/// Writes a structurally valid ggml Whisper model with seeded random weights: the real header, mel filters,
/// a full tokenizer vocabulary (synthetic words, plus the special tokens at the ids whisper.cpp assigns
/// them and the <c>" "</c>, <c>" -"</c>, <c>" '"</c> tokens its decoder looks up by text) and every tensor
/// with the name, shape and type <c>whisper_model_load</c> expects. No real weights are obtainable on the
/// build machines, so tests and benchmarks run the real loading and inference path on such a file.
/// </summary>
internal static class GgmlWhisperModelWriter
{
    /// <summary>Small dimensions for fast tests: width 64, 1+1 layers, 64 text positions.</summary>
    internal static WhisperHyperParameters SmallEnglish { get; } = new(51864, 1500, 64, 2, 1, 64, 64, 2, 1, 80, 1);

    /// <summary>Writes the model to <paramref name="path"/>.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="h">Dimensions.</param>
    /// <param name="seed">Seed of the weights.</param>
    /// <param name="decodeToTokenLimit">
    /// Make the decoder never emit end-of-text or timestamp tokens (their embedding rows point against the
    /// final layer norm's constant bias), so every 30 s window decodes exactly whisper.cpp's token cap
    /// (n_text_ctx/2 - 4): a fixed token budget for benchmarks.
    /// </param>
    internal static void Write(string path, WhisperHyperParameters h, int seed = 1, bool decodeToTokenLimit = false)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Write(stream, h, seed, decodeToTokenLimit);
    }

    /// <summary>Writes the model to <paramref name="stream"/>.</summary>
    internal static void Write(Stream stream, WhisperHyperParameters h, int seed = 1, bool decodeToTokenLimit = false)
    {
        var eotId = h.IsMultilingual ? 50257 : 50256;
        var random = new SplitMix(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 1));
        var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(WhisperModelFile.GgmlMagic);
        foreach (var v in new[] { h.VocabularySize, h.AudioContext, h.AudioState, h.AudioHeads, h.AudioLayers, h.TextContext, h.TextState, h.TextHeads, h.TextLayers, h.MelBands, h.FileType })
        {
            w.Write(v);
        }

        // Mel filters: triangular bands over the 201 FFT bins.
        w.Write(h.MelBands);
        w.Write(WhisperModelFile.MelFftBins);
        for (var m = 0; m < h.MelBands; m++)
        {
            var centre = (m + 1) * (WhisperModelFile.MelFftBins - 1) / (float)(h.MelBands + 1);
            var width = Math.Max(1f, (WhisperModelFile.MelFftBins - 1) / (float)(h.MelBands + 1));
            for (var k = 0; k < WhisperModelFile.MelFftBins; k++)
            {
                w.Write(Math.Max(0f, 1f - (Math.Abs(k - centre) / width)) * 0.02f);
            }
        }

        var vocab = Vocabulary(h);
        w.Write(vocab.Count);
        foreach (var token in vocab)
        {
            w.Write((uint)token.Length);
            w.Write(token);
        }

        var buffer = new byte[1 << 16];
        foreach (var spec in WhisperModelFile.ExpectedTensors(h))
        {
            var nameBytes = Encoding.UTF8.GetBytes(spec.Name);
            w.Write(spec.Shape.Length);
            w.Write(nameBytes.Length);
            w.Write(spec.Type);
            foreach (var d in spec.Shape)
            {
                w.Write(d);
            }

            w.Write(nameBytes);
            var isNormWeight = spec.Name.EndsWith("ln.weight", StringComparison.Ordinal) || spec.Name.EndsWith("ln_post.weight", StringComparison.Ordinal);
            var fanIn = spec.Shape.Length >= 2 ? spec.Shape[0] * (spec.Shape.Length == 3 ? spec.Shape[1] : 1) : 1;
            var scale = spec.Shape.Length >= 2 ? 1f / MathF.Sqrt(fanIn) : 0.02f;
            var bytesPer = spec.Type == WhisperModelFile.TypeF32 ? 4 : 2;
            var isFinalNormBias = decodeToTokenLimit && spec.Name == "decoder.ln.bias";
            var isTokenEmbedding = decodeToTokenLimit && spec.Name == "decoder.token_embedding.weight";
            var remaining = spec.Elements;
            long index = 0;
            while (remaining > 0)
            {
                var n = (int)Math.Min(remaining, buffer.Length / bytesPer);
                for (var i = 0; i < n; i++, index++)
                {
                    var value = (isNormWeight ? 1f : 0f) + (random.NextSigned() * scale);
                    if (isFinalNormBias)
                    {
                        value = 1f;
                    }
                    else if (isTokenEmbedding && index / spec.Shape[0] >= eotId)
                    {
                        value = -0.05f;
                    }

                    if (bytesPer == 4)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), value);
                    }
                    else
                    {
                        BinaryPrimitives.WriteHalfLittleEndian(buffer.AsSpan(i * 2), (Half)value);
                    }
                }

                w.Write(buffer, 0, n * bytesPer);
                remaining -= n;
            }
        }

        w.Flush();
    }

    /// <summary>
    /// The full vocabulary: 256 byte tokens, synthetic words, then the special tokens named as whisper.cpp
    /// names them when it adds them itself (<c>[_EOT_]</c>, <c>[_SOT_]</c>, languages, task tokens,
    /// <c>[_BEG_]</c>, <c>[_TT_n]</c> timestamps).
    /// </summary>
    internal static List<byte[]> Vocabulary(WhisperHyperParameters h)
    {
        var multilingual = h.IsMultilingual;
        var eot = multilingual ? 50257 : 50256;
        var sot = eot + 1;
        var languages = h.VocabularySize - 51765 - (multilingual ? 1 : 0);
        var dt = multilingual ? languages - 98 : 0;
        var beg = 50363 + dt;
        var named = new Dictionary<int, string>
        {
            [eot] = "[_EOT_]",
            [sot] = "[_SOT_]",
            [50357 + dt] = "[_TRANSLATE_]",
            [50358 + dt] = "[_TRANSCRIBE_]",
            [50359 + dt] = "[_SOLM_]",
            [50360 + dt] = "[_PREV_]",
            [50361 + dt] = "[_NOSP_]",
            [50362 + dt] = "[_NOT_]",
            [beg] = "[_BEG_]",
        };

        var list = new List<byte[]>(h.VocabularySize);
        for (var i = 0; i < h.VocabularySize; i++)
        {
            if (i < 256)
            {
                list.Add([(byte)i]);
            }
            else if (i == 256)
            {
                list.Add(" -"u8.ToArray());
            }
            else if (i == 257)
            {
                list.Add(" '"u8.ToArray());
            }
            else if (named.TryGetValue(i, out var special))
            {
                list.Add(Encoding.ASCII.GetBytes(special));
            }
            else if (i > beg)
            {
                list.Add(Encoding.ASCII.GetBytes("[_TT_" + (i - beg).ToString(CultureInfo.InvariantCulture) + "]"));
            }
            else if (i > sot && i <= sot + languages)
            {
                list.Add(Encoding.ASCII.GetBytes("[_LANG_" + (i - sot - 1).ToString(CultureInfo.InvariantCulture) + "]"));
            }
            else
            {
                list.Add(Encoding.ASCII.GetBytes(" " + SyntheticWord(i)));
            }
        }

        return list;
    }

    private static string SyntheticWord(int id)
    {
        Span<char> chars = stackalloc char[8];
        var n = 0;
        var v = id;
        do
        {
            chars[n++] = (char)('a' + (v % 26));
            v /= 26;
        }
        while (v > 0);

        return new string(chars[..n]);
    }

    /// <summary>SplitMix64: a tiny deterministic generator, stable across runtimes (unlike <see cref="Random"/>'s algorithm choice).</summary>
    private struct SplitMix(ulong state)
    {
        private ulong _state = state;

        /// <summary>Uniform in [-1, 1).</summary>
        public float NextSigned()
        {
            _state += 0x9E3779B97F4A7C15UL;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return ((z >> 40) / (float)(1UL << 23)) - 1f;
        }
    }
}
