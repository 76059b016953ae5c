using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Vad;

namespace VoiceAppliance.Cli;

/// <summary>
/// <c>appliance vad FILE [--model FILE] [--threshold X]</c>: runs only the Silero voice activity detector over a WAV
/// file (any rate; channels are mixed; resampled to 16 kHz) and prints the speech segments, one line each, then a
/// summary line with the timing. The segment lines are deterministic for a given model and file, so CI compares them
/// between the JIT build and the NativeAOT binaries (x64, and arm64 under qemu). Exit code 1 when no speech is found.
/// </summary>
public static class VadCommand
{
    private const string Usage = "usage: appliance vad FILE [--model FILE] [--threshold X]";

    /// <summary>Runs the command.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string? file = null, model = null;
        float? threshold = null;
        for (var i = 0; i < args.Length; i++)
        {
            var hasValue = i + 1 < args.Length;
            switch (args[i])
            {
                case "--model" when hasValue:
                    model = args[++i];
                    break;
                case "--threshold" when hasValue && float.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t is > 0f and < 1f:
                    threshold = t;
                    i++;
                    break;
                case var a when !a.StartsWith("--", StringComparison.Ordinal) && file is null:
                    file = a;
                    break;
                default:
                    await stderr.WriteLineAsync($"appliance vad: unknown, incomplete or out-of-range option '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
            }
        }

        if (file is null)
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            const int Rate = CliAudio.SpeechRate;
            var audio = CliAudio.ReadSpeech16k(file);
            using var vad = SileroVad.Open(model ?? ModelPaths.Require("silero_vad_v5.onnx"), Rate);
            var options = threshold is { } th ? new SpeechSegmenterOptions { Threshold = th } : SpeechSegmenterOptions.Default;
            var watch = Stopwatch.StartNew();
            var segments = SpeechSegmenter.Segment(vad, audio, options);
            watch.Stop();
            var n = 0;
            foreach (var s in segments)
            {
                n++;
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"speech {n}: {s.Start / (double)Rate:F3} s -> {s.End / (double)Rate:F3} s (samples {s.Start}..{s.End})")).ConfigureAwait(false);
            }

            var seconds = audio.Length / (double)Rate;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"silero-vad {vad.Version}: {segments.Count} segment(s), {seconds:F2} s of audio in {watch.ElapsedMilliseconds} ms (RTF {watch.Elapsed.TotalSeconds / Math.Max(seconds, 1e-3):F3})")).ConfigureAwait(false);
            return segments.Count > 0 ? ExitCodes.Ok : ExitCodes.NothingFound;
        }
        catch (FileNotFoundException ex)
        {
            await stderr.WriteLineAsync($"appliance vad: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
        catch (Exception ex) when (ex is InvalidWavException or InvalidDataException)
        {
            await stderr.WriteLineAsync($"appliance vad: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.DataError;
        }
    }
}
