using System.Buffers.Binary;
using System.Text;
using VoiceAppliance.Models.Whisper;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Models.Tests.Whisper;

/// <summary>Damaged and foreign model files are refused with a clear error before whisper.cpp sees them.</summary>
public sealed class WhisperModelFileTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("whisper-bad");
    private readonly byte[] _good;

    public WhisperModelFileTests()
    {
        using var memory = new MemoryStream();
        GgmlWhisperModelWriter.Write(memory, GgmlWhisperModelWriter.SmallEnglish, seed: 5);
        _good = memory.ToArray();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_generated_file_passes_validation_and_has_a_full_vocabulary()
    {
        var h = WhisperModelFile.Validate(Save("good.bin", _good));
        Assert.Equal(51864, h.VocabularySize);
        var vocab = GgmlWhisperModelWriter.Vocabulary(h);
        Assert.Equal(51864, vocab.Count);
        Assert.Equal("[_EOT_]", Encoding.ASCII.GetString(vocab[50256]));
        Assert.Equal("[_BEG_]", Encoding.ASCII.GetString(vocab[50363]));
        Assert.Equal(" ", Encoding.ASCII.GetString(vocab[32]));
        Assert.Equal(vocab.Count, vocab.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void A_multilingual_vocabulary_puts_the_special_tokens_where_whisper_cpp_expects_them()
    {
        var vocab = GgmlWhisperModelWriter.Vocabulary(GgmlWhisperModelWriter.SmallEnglish with { VocabularySize = 51865 });
        Assert.Equal("[_EOT_]", Encoding.ASCII.GetString(vocab[50257]));
        Assert.Equal("[_TRANSCRIBE_]", Encoding.ASCII.GetString(vocab[50359]));
        Assert.Equal("[_BEG_]", Encoding.ASCII.GetString(vocab[50364]));
    }

    [Fact]
    public void A_missing_file_names_the_path_and_the_fix()
    {
        var path = Path.Combine(_dir, "nope.bin");
        var ex = Assert.Throws<FileNotFoundException>(() => WhisperModel.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Fix:", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.999)]
    [InlineData(0.0002)]
    public void A_truncated_file_is_rejected_as_truncated(double keep)
    {
        var path = Save("cut.bin", _good.AsSpan(0, (int)(_good.Length * keep)).ToArray());
        var ex = Assert.Throws<InvalidDataException>(() => WhisperModel.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void A_truncated_file_never_reaches_whisper_cpp(double keep)
    {
        // whisper.cpp loads a file whose tensors are cut short and then aborts the process in whisper_full; the
        // check runs before Whisper.net is touched, so the logger (attached only after it) hears nothing.
        var path = Save("cut-early.bin", _good.AsSpan(0, (int)(_good.Length * keep)).ToArray());
        var logger = new ListLogger();
        var ex = Assert.Throws<InvalidDataException>(() => WhisperModel.Load(path, logger));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Fix: download the model again", ex.Message, StringComparison.Ordinal);
        Assert.Empty(logger.Lines);
    }

    [Fact]
    public void An_empty_file_is_rejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() => WhisperModel.Load(Save("empty.bin", [])));
        Assert.Contains("too short", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_magic_is_rejected_as_not_a_ggml_whisper_model()
    {
        var bytes = (byte[])_good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 0x12345678);
        var ex = Assert.Throws<InvalidDataException>(() => WhisperModel.Load(Save("magic.bin", bytes)));
        Assert.Contains("wrong magic 0x12345678", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gguf_file_is_rejected_as_another_architecture()
    {
        var bytes = new byte[64];
        "GGUF"u8.CopyTo(bytes);
        var ex = Assert.Throws<InvalidDataException>(() => WhisperModel.Load(Save("llm.gguf", bytes)));
        Assert.Contains("GGUF", ex.Message, StringComparison.Ordinal);
        Assert.Contains("another architecture", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ggml_file_with_a_non_whisper_header_is_rejected_as_another_architecture()
    {
        // A GPT-2 style ggml header: n_vocab 50257, n_ctx 1024, n_embd 768, n_head 12, n_layer 12, ftype 1.
        var bytes = (byte[])_good.Clone();
        int[] gpt2 = [50257, 1024, 768, 12, 12, 1, 0, 0, 0, 0, 0];
        for (var i = 0; i < gpt2.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 + (4 * i)), gpt2[i]);
        }

        var ex = Assert.Throws<InvalidDataException>(() => WhisperModel.Load(Save("gpt2.bin", bytes)));
        Assert.Contains("another architecture", ex.Message, StringComparison.Ordinal);
        Assert.Contains("n_vocab 50257", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_with_the_wrong_shape_is_rejected_with_its_name_and_both_shapes()
    {
        var bytes = (byte[])_good.Clone();
        var name = "encoder.conv1.bias"u8;
        var at = bytes.AsSpan().IndexOf(name);
        Assert.True(at > 0);

        // Record: n_dims, name length, type, ne0, ne1, name. ne1 is the 4 bytes before the name.
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at - 4), 65);
        var ex = Assert.Throws<InvalidDataException>(() => WhisperModel.Load(Save("shape.bin", bytes)));
        Assert.Contains("'encoder.conv1.bias' has shape [1, 65], expected [1, 64]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_vocabulary_length_is_rejected_before_whisper_cpp_allocates_it()
    {
        var bytes = (byte[])_good.Clone();
        var vocabCountAt = 4 + (11 * 4) + 8 + (80 * 201 * 4);
        Assert.Equal(51864, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(vocabCountAt)));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(vocabCountAt + 4 + (4 + 1) * 10), 0x7fff_0000);
        var ex = Assert.Throws<InvalidDataException>(() => WhisperModel.Load(Save("vocab.bin", bytes)));
        Assert.Contains("token 10", ex.Message, StringComparison.Ordinal);
    }

    private string Save(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
