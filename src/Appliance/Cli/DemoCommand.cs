using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Cli;

/// <summary>
/// <c>appliance demo</c>: the main job without hardware. A WAV file stands in for the microphone and
/// another for the speaker.
/// </summary>
public static class DemoCommand
{
    /// <summary>Runs the demo.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        string? input = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--input" when i + 1 < args.Length:
                    input = args[++i];
                    break;
                default:
                    await stderr.WriteLineAsync($"appliance demo: unknown or incomplete option '{args[i]}'.\n\n{CommandLine.Usage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
            }
        }

        var check = SelfCheck.Run();
        var code = SelfCheck.Print(stdout, check);
        if (code != ExitCodes.Ok)
        {
            return code;
        }

        try
        {
            input ??= ModelPaths.Require("samples/jfk.wav");
            var audio = WavFile.Read(input);
            cancellationToken.ThrowIfCancellationRequested();
            await stdout.WriteLineAsync($"microphone: {input} ({audio.SampleRate} Hz, {audio.Channels} ch, {audio.Duration.TotalSeconds:F2} s)").ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (FileNotFoundException ex)
        {
            await stderr.WriteLineAsync($"appliance demo: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
        catch (InvalidWavException ex)
        {
            await stderr.WriteLineAsync($"appliance demo: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.DataError;
        }
    }
}
