using System.Runtime.CompilerServices;
using VoiceAppliance.Models.Whisper;

namespace VoiceAppliance.Cli;

/// <summary>
/// <c>appliance dev whisper-test-model FILE [--seed N]</c> (hidden, not in the usage text): writes the generated
/// random-weight ggml Whisper model the tests use (the models library's <c>GgmlWhisperModelWriter</c>, small English
/// dimensions), so CI can run <c>transcribe --stt whisper</c> on the JIT build and the NativeAOT binaries without
/// real weights, which the build machines cannot obtain. <c>appliance dev audio-latency ...</c>: the audio threads'
/// wake-up latency with and without real-time priority (<see cref="AudioLatencyCommand"/>).
/// </summary>
public static class DevCommand
{
    private const string Usage = "usage: appliance dev whisper-test-model FILE [--seed N]";
    private const string WriterType = "VoiceAppliance.Models.Whisper.GgmlWhisperModelWriter, VoiceAppliance.Models";

    /// <summary>Runs the command.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args is ["audio-latency", .. var latencyArgs])
        {
            return await AudioLatencyCommand.RunAsync(latencyArgs, stdout, stderr).ConfigureAwait(false);
        }

        if (args is not ["whisper-test-model", var file, .. var rest] || file.StartsWith("--", StringComparison.Ordinal))
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var seed = 3;
        if (rest is ["--seed", var s] && int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            seed = parsed;
        }
        else if (rest.Length != 0)
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // The writer is internal to the models library (a test fixture, not product API); reach it without
        // reflection, so this works under NativeAOT too.
        var dimensions = SmallEnglish(null);
        Write(null, file, dimensions, seed, decodeToTokenLimit: false);
        await stdout.WriteLineAsync($"wrote {file} ({new FileInfo(file).Length} bytes, {dimensions}, seed {seed})").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "get_SmallEnglish")]
    private static extern WhisperHyperParameters SmallEnglish([UnsafeAccessorType(WriterType)] object? writer);

    [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "Write")]
    private static extern void Write([UnsafeAccessorType(WriterType)] object? writer, string path, WhisperHyperParameters h, int seed, bool decodeToTokenLimit);
}
