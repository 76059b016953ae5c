namespace VoiceAppliance.Configuration;

/// <summary>
/// What <c>appliance config check</c> runs: loads the file with environment overrides, validates every
/// section, then checks that what the configuration names exists on this machine (model files, the SPI
/// device, the intents and password files). Machine checks are warnings, so a config can be checked on a
/// build machine before it goes to the Pi.
/// </summary>
public static class ConfigCheck
{
    /// <summary>Runs every check; returns errors and warnings (empty = all good).</summary>
    /// <param name="path">The configuration file.</param>
    /// <param name="environment">Environment (null: the process environment).</param>
    /// <param name="configuration">Loader with the sections to check (null: <see cref="ApplianceConfiguration.CreateDefault"/>).</param>
    public static IReadOnlyList<ConfigIssue> Run(string path, IReadOnlyDictionary<string, string?>? environment = null, ApplianceConfiguration? configuration = null)
    {
        var loaded = (configuration ?? ApplianceConfiguration.CreateDefault()).Load(path, environment);
        var issues = loaded.Issues.ToList();
        if (loaded.Issues.Any(i => i.Severity == ConfigSeverity.Error && i.Key.Length == 0))
        {
            return issues; // the file itself is unusable; the rest would only repeat defaults
        }

        CheckMachine(loaded, issues);
        return issues;
    }

    /// <summary>
    /// Writes one line per issue (errors first) and a summary; returns the exit code: 0 when there is no
    /// error (warnings allowed), 78 (<see cref="Cli.ExitCodes.Config"/>) otherwise.
    /// </summary>
    public static int Print(TextWriter output, string path, IReadOnlyList<ConfigIssue> issues)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(issues);
        foreach (var issue in issues.OrderBy(i => i.Severity))
        {
            output.WriteLine(issue.ToString());
        }

        var errors = issues.Count(i => i.Severity == ConfigSeverity.Error);
        var warnings = issues.Count - errors;
        output.WriteLine(errors == 0
            ? $"{path}: ok ({warnings} warning{(warnings == 1 ? string.Empty : "s")})"
            : $"{path}: {errors} error{(errors == 1 ? string.Empty : "s")}, {warnings} warning{(warnings == 1 ? string.Empty : "s")}");
        return errors == 0 ? Cli.ExitCodes.Ok : Cli.ExitCodes.Config;
    }

    private static void CheckMachine(LoadedConfiguration c, List<ConfigIssue> issues)
    {
        void Missing(string key, string file, string fix) => issues.Add(new ConfigIssue(ConfigSeverity.Warning, key, $"{file} does not exist on this machine; {fix}"));

        var models = c.Models;
        if (!File.Exists(models.Resolve(models.Vad)))
        {
            Missing("Models:Vad", models.Resolve(models.Vad), "run `appliance models fetch` or fix Models:Directory.");
        }

        if (models.Stt == SttEngine.Whisper && !File.Exists(models.Resolve(models.WhisperModel)))
        {
            Missing("Models:WhisperModel", models.Resolve(models.WhisperModel), "run `appliance models fetch` (ggml-base.en.bin or ggml-tiny.en.bin).");
        }

        if (!File.Exists(Path.Combine(models.Resolve(models.TtsVoice), "model.onnx")))
        {
            Missing("Models:TtsVoice", Path.Combine(models.Resolve(models.TtsVoice), "model.onnx"), "run `appliance models fetch` or fix Models:TtsVoice.");
        }

        if (c.Leds.Kind == LedKind.Apa102 && !File.Exists(c.Leds.SpiDevice))
        {
            Missing("Leds:SpiDevice", c.Leds.SpiDevice, "enable SPI (dtparam=spi=on in /boot/firmware/config.txt) or set Leds:Kind to none.");
        }

        if ((c.Button.Enabled || c.Leds.Kind == LedKind.Gpio) && !Directory.EnumerateFiles("/dev", "gpiochip*").Any())
        {
            issues.Add(new ConfigIssue(ConfigSeverity.Warning, c.Button.Enabled ? "Button:Enabled" : "Leds:Kind", "no /dev/gpiochip* on this machine; the button and GPIO LEDs work only on a board with GPIO."));
        }

        if (c.Workflow is { Kind: WorkflowKind.Intents, IntentsFile: var intents } && !File.Exists(intents))
        {
            Missing("Workflow:IntentsFile", intents, "create it or point Workflow:IntentsFile at it.");
        }

        var mqttEnabled = string.Equals(c.Value("Mqtt:Enabled")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
        if (c.Workflow.Kind == WorkflowKind.Mqtt && !mqttEnabled)
        {
            issues.Add(new ConfigIssue(ConfigSeverity.Error, "Mqtt:Enabled", "Workflow:Kind is 'mqtt' but Mqtt:Enabled is not true; enable MQTT or choose another workflow."));
        }

        if (mqttEnabled && c.Value("Mqtt:PasswordFile") is { Length: > 0 } pw && !File.Exists(pw))
        {
            Missing("Mqtt:PasswordFile", pw, "create it (mode 600, owned by the service user) or remove the key.");
        }
    }
}
