using VoiceAppliance.Models.Onnx;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Onnx;

public sealed class OnnxRuntimeTests(ITestOutputHelper output)
{
    [RequiresFileFact("silero_vad_v5.onnx", "real Silero v5 weights")]
    public void Silero_v5_inputs_and_outputs_are_read_with_types_and_shapes()
    {
        using var session = OnnxSession.FromFile(TestPaths.Model("silero_vad_v5.onnx"));
        foreach (var i in session.Inputs)
        {
            output.WriteLine("in  " + i);
        }

        foreach (var o in session.Outputs)
        {
            output.WriteLine("out " + o);
        }

        Assert.Equal(["input", "state", "sr"], session.Inputs.Select(i => i.Name));
        Assert.Equal(OnnxElementType.Float, session.Inputs[0].ElementType);
        Assert.Equal(OnnxElementType.Int64, session.Inputs[2].ElementType);
        Assert.Equal([2L, -1L, 128L], session.Inputs[1].Shape);
        Assert.Equal(["output", "stateN"], session.Outputs.Select(o => o.Name));
    }

    [RequiresFileFact("piper/en_US-libritts_r-medium/model.onnx", "the provisioned Piper voice")]
    public void Custom_metadata_map_of_a_sherpa_onnx_voice_is_read()
    {
        using var session = OnnxSession.FromFile(TestPaths.Model("piper/en_US-libritts_r-medium/model.onnx"));
        foreach (var (k, v) in session.Metadata)
        {
            output.WriteLine($"{k} = {v}");
        }

        foreach (var i in session.Inputs)
        {
            output.WriteLine("in  " + i);
        }

        Assert.Equal("22050", session.Metadata["sample_rate"]);
        Assert.Contains(session.Inputs, i => i.Name == "sid");
    }

    [RequiresFileFact("silero_vad_v5.onnx", "real Silero v5 weights")]
    public void Session_from_memory_runs_with_tensors_over_managed_memory_and_preallocated_outputs()
    {
        using var session = OnnxSession.FromMemory(File.ReadAllBytes(TestPaths.Model("silero_vad_v5.onnx")), "silero_vad_v5.onnx (memory)");
        using var input = new OnnxTensor<float>(1, 576);
        using var state = new OnnxTensor<float>(2, 1, 128);
        using var sr = new OnnxTensor<long>(1);
        using var prob = new OnnxTensor<float>(1, 1);
        using var stateOut = new OnnxTensor<float>(2, 1, 128);
        sr.Span[0] = 16000;
        using var binding = new OnnxBinding(session, ["input", "state", "sr"], ["output", "stateN"]);
        binding.SetInput(0, input);
        binding.SetInput(1, state);
        binding.SetInput(2, sr);
        binding.SetOutput(0, prob);
        binding.SetOutput(1, stateOut);
        prob.Span[0] = float.NaN;
        binding.Run();
        Assert.InRange(prob.Span[0], 0f, 0.2f);
        Assert.Contains(stateOut.Span.ToArray(), v => v != 0f);
    }

    [RequiresFileFact("silero_vad_v5.onnx", "real Silero v5 weights")]
    public void Outputs_left_unbound_are_allocated_by_ort_and_taken_by_the_caller()
    {
        using var session = OnnxSession.FromFile(TestPaths.Model("silero_vad_v5.onnx"));
        using var input = new OnnxTensor<float>(1, 576);
        using var state = new OnnxTensor<float>(2, 1, 128);
        using var sr = new OnnxTensor<long>(1);
        sr.Span[0] = 16000;
        using var binding = new OnnxBinding(session, ["input", "state", "sr"], ["output", "stateN"]);
        binding.SetInput(0, input);
        binding.SetInput(1, state);
        binding.SetInput(2, sr);
        binding.Run();
        using var stateN = binding.TakeOutput(1);
        Assert.Equal([2L, 1L, 128L], stateN.Shape);
        Assert.Equal(256, stateN.AsSpan<float>().Length);
        Assert.Throws<InvalidOperationException>(() => stateN.AsSpan<long>().Length);
    }

    [RequiresFileFact("silero_vad_v5.onnx", "real Silero v5 weights")]
    public void A_wrongly_shaped_input_fails_with_an_OnnxRuntimeException_carrying_orts_message()
    {
        using var session = OnnxSession.FromFile(TestPaths.Model("silero_vad_v5.onnx"));
        using var input = new OnnxTensor<float>(1, 576);
        using var state = new OnnxTensor<float>(3, 1, 128);
        using var sr = new OnnxTensor<long>(1);
        using var binding = new OnnxBinding(session, ["input", "state", "sr"], ["output", "stateN"]);
        binding.SetInput(0, input);
        binding.SetInput(1, state);
        binding.SetInput(2, sr);
        var ex = Assert.Throws<OnnxRuntimeException>(binding.Run);
        output.WriteLine(ex.Message);
        Assert.Contains("silero_vad_v5.onnx", ex.Message, StringComparison.Ordinal);
        Assert.NotEqual(0, ex.ErrorCode);
    }

    [Fact]
    public void A_file_that_is_not_a_model_fails_naming_the_file()
    {
        var dir = TestPaths.NewTempDirectory("ort");
        try
        {
            var path = Path.Combine(dir, "garbage.onnx");
            File.WriteAllText(path, "this is not a protobuf");

            // Not protobuf at all: the structural check (OnnxModelCheck) refuses it before ORT sees it.
            var ex = Assert.Throws<InvalidDataException>(() => OnnxSession.FromFile(path));
            output.WriteLine(ex.Message);
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.Throws<FileNotFoundException>(() => OnnxSession.FromFile(Path.Combine(dir, "missing.onnx")));
            Assert.Throws<InvalidDataException>(() => OnnxSession.FromMemory("garbage"u8, "garbage bytes"));

            // Well-framed but meaningless to ORT (an operator that does not exist): ORT's own error, with the file named.
            byte[] node = [0x22, 0x08, .. "NoSuchOp"u8];
            byte[] outputInfo = [0x0a, 0x01, (byte)'y'];
            byte[] graph = [0x0a, (byte)node.Length, .. node, 0x62, (byte)outputInfo.Length, .. outputInfo];
            byte[] model = [0x08, 0x08, 0x42, 0x02, 0x10, 0x11, 0x3a, (byte)graph.Length, .. graph];
            var wellFramed = Path.Combine(dir, "unknown-op.onnx");
            File.WriteAllBytes(wellFramed, model);
            var ort = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.FromFile(wellFramed));
            output.WriteLine(ort.Message);
            Assert.Contains(wellFramed, ort.Message, StringComparison.Ordinal);
            Assert.Throws<OnnxRuntimeException>(() => OnnxSession.FromMemory(model, "unknown op"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [RequiresFileFact("silero_vad_v5.onnx", "real Silero v5 weights")]
    public void Validation_names_the_file_and_what_was_expected()
    {
        using var session = OnnxSession.FromFile(TestPaths.Model("silero_vad_v5.onnx"));
        var ex = Assert.Throws<InvalidDataException>(() => session.RequireInput("tokens", OnnxElementType.Int64, [1, -1], "Piper voice"));
        Assert.Contains("silero_vad_v5.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input 'tokens' of Int64", ex.Message, StringComparison.Ordinal);
        var shape = Assert.Throws<InvalidDataException>(() => session.RequireInput("state", OnnxElementType.Float, [2, -1, 64], "Silero VAD v4"));
        Assert.Contains("found state: Float [2, ?, 128]", shape.Message, StringComparison.Ordinal);
        Assert.Equal("state", session.RequireInput("state", OnnxElementType.Float, [2, -1, 128], "Silero VAD v5").Name);
    }
}
