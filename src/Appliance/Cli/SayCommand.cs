using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Piper;

namespace VoiceAppliance.Cli;

/// <summary>
/// <c>appliance say TEXT [--output WAV | --device PCM] [--speaker N] [--speed X] [--voice DIR]</c>: speaks text with
/// the Piper voice, to a WAV file or an ALSA playback device (default: the ALSA <c>default</c> device).
/// </summary>
public static class SayCommand
{
    private const string Usage = "usage: appliance say TEXT [--output WAV | --device PCM] [--speaker N] [--speed X] [--voice DIR]";

    /// <summary>Runs the command.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string? text = null, output = null, voice = null;
        var device = "default";
        int? speaker = null;
        float? speed = null;
        for (var i = 0; i < args.Length; i++)
        {
            var hasValue = i + 1 < args.Length;
            switch (args[i])
            {
                case "--output" when hasValue:
                    output = args[++i];
                    break;
                case "--device" when hasValue:
                    device = args[++i];
                    break;
                case "--voice" when hasValue:
                    voice = args[++i];
                    break;
                case "--speaker" when hasValue && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var s):
                    speaker = s;
                    i++;
                    break;
                case "--speed" when hasValue && float.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x is > 0.1f and < 10f:
                    speed = x;
                    i++;
                    break;
                case var a when !a.StartsWith("--", StringComparison.Ordinal) && text is null:
                    text = a;
                    break;
                default:
                    await stderr.WriteLineAsync($"appliance say: unknown, incomplete or out-of-range option '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
            }
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            await stderr.WriteLineAsync($"appliance say: no text given.\n{Usage}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            voice ??= Path.GetDirectoryName(ModelPaths.Require("piper/en_US-libritts_r-medium/model.onnx"))!;
            using var tts = PiperTts.Open(voice);
            var options = new SynthesisOptions { Speaker = speaker, Speed = speed };
            var watch = Stopwatch.StartNew();
            var audio = tts.Synthesize(text, options, cancellationToken);
            var seconds = audio.Length / (double)tts.SampleRate;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{tts.Name}: {seconds:F2} s of audio in {watch.ElapsedMilliseconds} ms (RTF {watch.Elapsed.TotalSeconds / Math.Max(seconds, 1e-3):F2})")).ConfigureAwait(false);
            if (output is not null)
            {
                WavFile.WritePcm16(output, audio, tts.SampleRate);
                await stdout.WriteLineAsync($"wrote {output}").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var playback = new AlsaPlayback(new AlsaPlaybackOptions { Device = device });
            await using (playback.ConfigureAwait(false))
            {
                await playback.WriteAsync(audio, tts.SampleRate, cancellationToken).ConfigureAwait(false);
                await playback.DrainAsync(cancellationToken).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }
        catch (FileNotFoundException ex)
        {
            await stderr.WriteLineAsync($"appliance say: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
        catch (AlsaException ex)
        {
            await stderr.WriteLineAsync($"appliance say: {ex.Message} (list devices with 'appliance devices')").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
    }
}
