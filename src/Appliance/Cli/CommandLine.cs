namespace VoiceAppliance.Cli;

/// <summary>
/// The <c>appliance</c> command line. Hand-written (System.CommandLine is not on the feeds here) and
/// AOT-safe: no reflection, every command a method.
/// </summary>
public static class CommandLine
{
    /// <summary>The usage text printed by <c>appliance help</c> and on a usage error.</summary>
    public const string Usage = """
        usage: appliance COMMAND [options]

        commands:
          run [--config PATH]                 the daemon (default config: $APPLIANCE_CONFIG or /etc/appliance/appliance.json)
          config check [--config PATH]        validate the configuration and what it names on this machine
          demo [--input WAV] [--output WAV]   the main job without hardware: a WAV file as the microphone
          self-check                          load every native library and print its version
          devices                             audio devices (names for the config), mic-array profiles, GPIO chips
          mic-test [--device PCM] [--channels N]  live level meter per channel, to pick mic-array channels
          say TEXT [--output WAV|--device PCM]  speak text with the Piper voice
          transcribe FILE [--stt grammar|whisper]  speech to text on a WAV file
          vad FILE [--model FILE]             speech segments Silero VAD finds in a WAV file
          models list|fetch|verify [NAME...]  known models, download (resumable, sha256-checked), verify
          mqtt forget [--config PATH]         remove the device from the broker and Home Assistant (retained topics)
          help                                this text
          --version                           print the version

        exit codes: 0 ok, 64 usage, 65 bad input file, 69 missing dependency, 78 configuration error
        """;

    /// <summary>Parses <paramref name="args"/> and runs the command.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        if (args.Length == 0)
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            return await RunCommandAsync(args, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Models.Onnx.OnnxRuntimeException or Audio.Alsa.InvalidWavException or InvalidDataException or Models.Whisper.WhisperException)
        {
            // A bad model or audio file that a command did not handle itself: one line naming the file and the
            // problem, the documented exit code, never a stack trace and an abort.
            await stderr.WriteLineAsync($"appliance {args[0]}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.DataError;
        }
    }

    private static async Task<int> RunCommandAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var rest = args.AsSpan(1).ToArray();
        switch (args[0])
        {
            case "--version":
            case "version":
                await stdout.WriteLineAsync(AppVersion.Informational).ConfigureAwait(false);
                return ExitCodes.Ok;
            case "help":
            case "--help":
            case "-h":
                await stdout.WriteLineAsync(Usage).ConfigureAwait(false);
                return ExitCodes.Ok;
            case "self-check":
                return SelfCheck.Print(stdout, SelfCheck.Run());
            case "devices":
                return await DevicesCommand.RunAsync(stdout, stderr).ConfigureAwait(false);
            case "mic-test":
                return await DevicesCommand.MicTestAsync(rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
            case "say":
                return await SayCommand.RunAsync(rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
            case "transcribe":
                return await TranscribeCommand.RunAsync(rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
            case "vad":
                return await VadCommand.RunAsync(rest, stdout, stderr).ConfigureAwait(false);
            case "dev":
                return await DevCommand.RunAsync(rest, stdout, stderr).ConfigureAwait(false);
            case "models":
                return await ModelsCommand.RunAsync(rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
            case "run":
                return await RunCommand.RunAsync(rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
            case "config":
                return await ConfigCheckCommand.RunAsync(rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
            case "mqtt":
                return await MqttCommand.RunAsync(rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
            case "demo":
                return await DemoCommand.RunAsync(rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
            default:
                await stderr.WriteLineAsync($"appliance: unknown command '{args[0]}'. Run 'appliance help' for the list.").ConfigureAwait(false);
                return ExitCodes.Usage;
        }
    }
}
