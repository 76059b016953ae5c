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
          wake-score FILE [--model NAME|FILE[:T]]... [--threshold X]  wake words in a WAV file, with times and scores
          wake-test [--device PCM] [--model ...]  live wake word score meter, to tune thresholds
          models list|fetch|verify [NAME...]  known models, download (resumable, sha256-checked), verify
          mqtt forget [--config PATH]         remove the device from the broker and Home Assistant (retained topics)
          help                                this text
          --version                           print the version
          --verbose                           (with any command) show stack traces of errors; also APPLIANCE_VERBOSE=1

        exit codes: 0 ok, 1 nothing found (vad: no speech), 64 usage, 65 bad input file, 69 missing dependency,
        70 internal error (the daemon: a fault systemd should restart it for), 74 a file could not be read or
        written, 78 configuration error (README.md has the table: what causes each)
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

        // alsa-lib prints its own "ALSA lib pcm.c:...: Unknown PCM" lines on stderr before the appliance's message,
        // which names the device and the fix; keep them for APPLIANCE_ALSA_DEBUG=1 (the daemon logs them at debug).
        _ = Audio.Alsa.AlsaLibrary.RouteErrors(Environment.GetEnvironmentVariable("APPLIANCE_ALSA_DEBUG") == "1" ? line => stderr.WriteLine(line) : null);

        var verbose = Verbose || args.Contains("--verbose");
        if (args.Contains("--verbose"))
        {
            args = [.. args.Where(a => a != "--verbose")];
            if (args.Length == 0)
            {
                await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
                return ExitCodes.Usage;
            }
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
            await WriteDetailAsync(stderr, ex, verbose).ConfigureAwait(false);
            return ExitCodes.DataError;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file the user named (an output WAV in a missing folder, a file without permission).
            await stderr.WriteLineAsync($"appliance {args[0]}: {ex.Message}").ConfigureAwait(false);
            await WriteDetailAsync(stderr, ex, verbose).ConfigureAwait(false);
            return ExitCodes.IoError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (Exception ex)
        {
            // A fault nobody expected: one line, exit 70 (systemd restarts a daemon that exits non-zero), the stack
            // trace only with --verbose / APPLIANCE_VERBOSE=1.
            await stderr.WriteLineAsync($"appliance {args[0]}: internal error: {ex.GetType().Name}: {ex.Message}{(verbose ? string.Empty : " (--verbose or APPLIANCE_VERBOSE=1 shows where)")}").ConfigureAwait(false);
            await WriteDetailAsync(stderr, ex, verbose).ConfigureAwait(false);
            return ExitCodes.Software;
        }
    }

    /// <summary>True when <c>APPLIANCE_VERBOSE=1</c>: errors come with their stack traces.</summary>
    public static bool Verbose => Environment.GetEnvironmentVariable("APPLIANCE_VERBOSE") == "1";

    /// <summary>
    /// The last line of a process that is going down on an exception no code caught (any thread): what failed, in
    /// one line (with the stack trace under <see cref="Verbose"/>), for <see cref="Program"/>'s unhandled-exception
    /// handler, which then exits 70 instead of letting the runtime abort with a core dump.
    /// </summary>
    public static string FatalLine(object? exception) => exception switch
    {
        Exception ex when Verbose => $"appliance: fatal: {ex}",
        Exception ex => $"appliance: fatal: {ex.GetType().Name}: {ex.Message} (APPLIANCE_VERBOSE=1 shows where); exiting with {ExitCodes.Software} so systemd restarts the daemon",
        _ => $"appliance: fatal: {exception}; exiting with {ExitCodes.Software}",
    };

    private static async Task WriteDetailAsync(TextWriter stderr, Exception ex, bool verbose)
    {
        if (verbose)
        {
            await stderr.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
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
            case "wake-score":
                return await WakeWordCommand.ScoreAsync(rest, stdout, stderr).ConfigureAwait(false);
            case "wake-test":
                return await WakeWordCommand.TestAsync(rest, stdout, stderr, cancellationToken).ConfigureAwait(false);
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
