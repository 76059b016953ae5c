using VoiceAppliance.Models;

namespace VoiceAppliance.Models.Tests;

public sealed class NativeRuntimesTests
{
    [Fact]
    public void OnnxRuntime_is_the_packaged_1_31_1() =>
        Assert.Equal("1.31.1", NativeRuntimes.OnnxRuntimeVersion);

    [Fact]
    public void Whisper_is_the_whisper_cpp_1_8_5_that_Whisper_net_runtime_1_9_1_ships() =>
        Assert.Equal("1.8.5", NativeRuntimes.WhisperVersion);

    [Fact]
    public void Whisper_net_is_the_referenced_1_9_1() =>
        Assert.Equal("1.9.1", NativeRuntimes.WhisperNetVersion);

    [Fact]
    public void EspeakNg_reports_a_1_x_version() =>
        Assert.Matches(@"^1\.\d+", NativeRuntimes.EspeakNgVersion);
}
