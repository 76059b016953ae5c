namespace VoiceAppliance.Benchmarks;

/// <summary>
/// Bench commands that run our engine and its peer on the same input in one process and print a table
/// of ratios (<c>./build.sh bench NAME</c>). Each area adds its command to <see cref="s_commands"/>.
/// </summary>
public static class BenchCommands
{
    private static readonly Dictionary<string, Func<string[], int>> s_commands = new(StringComparer.Ordinal)
    {
        // ["vad"] = VadBench.Run, ... one line per area
        ["audio-capture"] = Audio.CaptureBench.Run,
        ["models"] = Models.ModelsBench.Run,
        ["stt"] = Whisper.SpeechToTextBench.Run,
        ["mqtt"] = Mqtt.MqttBench.Run,
        ["pipeline"] = Pipeline.PipelineBench.Run,
        ["endpointing"] = Pipeline.EndpointingBench.Run,
        ["pause-guesses"] = Pipeline.PauseGuessBench.Run,
        ["grammar"] = Grammar.GrammarRejectionBench.Run,
        ["heldout"] = Grammar.HeldOutBench.Run,
        ["hesitation"] = Grammar.HesitationBench.Run,
        ["idle"] = Idle.IdleBench.Run,
        ["cloud"] = Cloud.CloudBench.Run,
        ["wake"] = WakeWord.WakeWordBench.Run,
    };

    /// <summary>Runs the command named by <paramref name="args"/>[0] if there is one.</summary>
    public static bool TryRun(string[] args, out int exitCode)
    {
        if (s_commands.TryGetValue(args[0], out var run))
        {
            exitCode = run(args[1..]);
            return true;
        }

        if (args[0] == "list")
        {
            foreach (var name in s_commands.Keys.Order(StringComparer.Ordinal))
            {
                Console.WriteLine(name);
            }

            exitCode = 0;
            return true;
        }

        exitCode = 0;
        return false;
    }
}
