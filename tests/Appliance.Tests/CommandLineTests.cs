using System.Diagnostics;
using VoiceAppliance.Cli;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests;

public sealed class CommandLineTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task No_arguments_is_a_usage_error()
    {
        var (code, _, err) = await Run();
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("usage: appliance", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_command_names_it_and_exits_64()
    {
        var (code, _, err) = await Run("frobnicate");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("'frobnicate'", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_assembly_version()
    {
        var (code, output, _) = await Run("--version");
        Assert.Equal(0, code);
        Assert.StartsWith("0.1.0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Self_check_loads_every_provisioned_library()
    {
        var (code, output, _) = await Run("self-check");
        Assert.Equal(0, code);
        Assert.Contains("onnxruntime   1.31.1", output, StringComparison.Ordinal);
        Assert.Contains("whisper.cpp   1.8.5 (Whisper.net 1.9.1)", output, StringComparison.Ordinal);
        Assert.Matches(@"MQTTnet +5\.\d+\.\d+", output);
        Assert.DoesNotContain("libmosquitto", output, StringComparison.Ordinal);
        Assert.Matches(@"libasound +1\.\d+", output);
        Assert.Matches(@"espeak-ng +1\.\d+", output);
    }

    [RequiresFileFact("samples/jfk.wav", "the speech sample")]
    public async Task A_truncated_or_empty_model_file_exits_65_naming_the_file()
    {
        var dir = TestPaths.NewTempDirectory("badmodel");
        try
        {
            var truncated = Path.Combine(dir, "truncated.onnx");
            File.WriteAllBytes(truncated, File.ReadAllBytes(TestPaths.Model("silero_vad_v5.onnx"))[..3000]);
            var empty = Path.Combine(dir, "empty.onnx");
            File.WriteAllBytes(empty, []);
            foreach (var model in new[] { truncated, empty })
            {
                var (code, _, err) = await Run("vad", TestPaths.Model("samples/jfk.wav"), "--model", model);
                Assert.Equal(ExitCodes.DataError, code);
                Assert.Contains(model, err, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", err, StringComparison.Ordinal); // no stack trace
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Demo_with_a_missing_input_names_the_file()
    {
        var (code, _, err) = await Run("demo", "--input", "/nonexistent/mic.wav");
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("/nonexistent/mic.wav", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("transcribe")]
    [InlineData("vad")]
    public async Task A_missing_input_wav_is_bad_input_65_naming_the_file(string command)
    {
        var (code, _, err) = await Run(command, "/nonexistent/speech.wav");
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("/nonexistent/speech.wav", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_with_a_file_that_is_not_a_wav_exits_65()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.wav");
        await File.WriteAllBytesAsync(path, new byte[100]);
        try
        {
            var (code, _, err) = await Run("demo", "--input", path);
            Assert.Equal(ExitCodes.DataError, code);
            Assert.Contains(path, err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_model_names_the_file_and_the_fix()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => ModelPaths.Require("no-such-model.onnx"));
        Assert.Contains("no-such-model.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ModelPaths.ProvisionCommand, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_the_checkout_missing_libraries_name_the_file_and_exit_69()
    {
        // A copy of the built appliance's top folder (without its runtimes/ folder) lacks the natives the packages
        // ship: ONNX Runtime and whisper.cpp are then missing (they are not system libraries).
        var copy = Path.Combine(Path.GetTempPath(), $"appliance-copy-{Guid.NewGuid():N}");
        Directory.CreateDirectory(copy);
        try
        {
            foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }

            var psi = new ProcessStartInfo("dotnet", [Path.Combine(copy, "appliance.dll"), "self-check"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = copy,
            };
            psi.Environment.Remove("APPLIANCE_NATIVE_DIR");
            psi.Environment.Remove("LD_LIBRARY_PATH");
            using var process = Process.Start(psi)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();

            Assert.Equal(ExitCodes.MissingDependency, process.ExitCode);
            Assert.Contains("libonnxruntime.so", output, StringComparison.Ordinal);
            Assert.Contains("reinstall or republish the appliance", output, StringComparison.Ordinal);
            Assert.Matches(@"libasound +1\.\d+", output); // system libraries still load
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
