using VoiceAppliance.Models.Onnx;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Models.Tests.Onnx;

public sealed class OnnxModelCheckTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("onnx-check");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("silero_vad_v5.onnx")]
    [InlineData("silero_vad_v6.onnx")]
    [InlineData("silero_vad_legacy.onnx")]
    [InlineData("piper/en_US-libritts_r-medium/model.onnx")]
    public void The_shipped_models_pass(string model)
    {
        var path = TestPaths.Model(model);
        OnnxModelCheck.CheckFile(path);
        OnnxModelCheck.Check(File.ReadAllBytes(path), model);
    }

    [Fact]
    public void A_model_behind_a_symbolic_link_is_checked_as_the_file_it_points_to()
    {
        var link = Path.Combine(_dir, "linked.onnx");
        File.CreateSymbolicLink(link, TestPaths.Model("silero_vad_v5.onnx"));
        OnnxModelCheck.CheckFile(link);
    }

    [Theory]
    [InlineData(0.0001)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99999)]
    public void A_truncated_model_fails_before_onnx_runtime_with_the_file_named(double fraction)
    {
        var bytes = File.ReadAllBytes(TestPaths.Model("silero_vad_v5.onnx"));
        var path = Write("truncated.onnx", bytes.AsSpan(0, Math.Max(1, (int)(bytes.Length * fraction))));

        var ex = Assert.Throws<InvalidDataException>(() => OnnxModelCheck.CheckFile(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("appliance models fetch", ex.Message, StringComparison.Ordinal);

        // The session factory runs the check first: the same message, not ORT's.
        var fromSession = Assert.Throws<InvalidDataException>(() => OnnxSession.FromFile(path));
        Assert.Equal(ex.Message, fromSession.Message);
    }

    [Theory]
    [InlineData("empty", "")]
    [InlineData("html", "<!DOCTYPE html><html><body>404 Not Found</body></html>")]
    [InlineData("json", "{\"error\":\"rate limited\"}")]
    [InlineData("text", "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 2327524\n")]
    public void Things_that_are_not_models_fail_with_a_clear_message(string name, string content)
    {
        var path = Write(name + ".onnx", System.Text.Encoding.UTF8.GetBytes(content));
        var ex = Assert.Throws<InvalidDataException>(() => OnnxModelCheck.CheckFile(path));
        Assert.Contains("damaged or not a model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_length_claim_larger_than_the_file_fails_without_reading_or_allocating_it()
    {
        // ir_version 8, then field 7 (graph) claiming 2^40 bytes.
        byte[] bytes = [0x08, 0x08, 0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x00];
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => OnnxModelCheck.Check(bytes, "claim.onnx"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
        Assert.Contains("claims 1099511627776 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_are_never_taken_for_a_model()
    {
        var random = new Random(1234);
        var buffer = new byte[4096];
        for (var i = 0; i < 500; i++)
        {
            var length = random.Next(1, buffer.Length);
            random.NextBytes(buffer.AsSpan(0, length));
            Assert.Throws<InvalidDataException>(() => OnnxModelCheck.Check(buffer.AsSpan(0, length), "random.onnx"));
        }
    }

    private string Write(string name, ReadOnlySpan<byte> bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes.ToArray());
        return path;
    }
}
