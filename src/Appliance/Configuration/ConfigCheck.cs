namespace VoiceAppliance.Configuration;

/// <summary>
/// What <c>appliance config check</c> runs: loads the file with environment overrides, validates every
/// section, then checks what the configuration names on this machine: the model files exist and load (a model
/// that <c>run</c> cannot load is an error, not a warning), the intents and password files exist, the SPI device
/// and GPIO chips are there. With <c>portable</c> (<c>config check --portable</c>, for a config written on a build
/// machine before it goes to the Pi) the machine checks are warnings.
/// </summary>
public static class ConfigCheck
{
    /// <summary>Runs every check; returns errors and warnings (empty = all good).</summary>
    /// <param name="path">The configuration file.</param>
    /// <param name="environment">Environment (null: the process environment).</param>
    /// <param name="configuration">Loader with the sections to check (null: <see cref="ApplianceConfiguration.CreateDefault"/>).</param>
    /// <param name="portable">Machine checks are warnings (the config is checked away from the device it is for).</param>
    public static IReadOnlyList<ConfigIssue> Run(string path, IReadOnlyDictionary<string, string?>? environment = null, ApplianceConfiguration? configuration = null, bool portable = false)
    {
        var loaded = (configuration ?? ApplianceConfiguration.CreateDefault()).Load(path, environment);
        var issues = loaded.Issues.ToList();
        if (loaded.Issues.Any(i => i.Severity == ConfigSeverity.Error && i.Key.Length == 0))
        {
            return issues; // the file itself is unusable; the rest would only repeat defaults
        }

        CheckMachine(loaded, issues, portable ? ConfigSeverity.Warning : ConfigSeverity.Error);
        CheckCloud(loaded, issues, portable ? ConfigSeverity.Warning : ConfigSeverity.Error, environment);
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

    private static void CheckMachine(LoadedConfiguration c, List<ConfigIssue> issues, ConfigSeverity machine)
    {
        void Missing(string key, string file, string fix) => issues.Add(new ConfigIssue(machine, key, $"{file} does not exist on this machine; {fix}"));

        // A model that exists must also load: the same validation `run` does, so a damaged file is found here.
        void Loads(string key, string file, Action<string> load, string fix)
        {
            try
            {
                load(file);
            }
            catch (Exception ex) when (ex is InvalidDataException or Models.Onnx.OnnxRuntimeException or IOException)
            {
                issues.Add(new ConfigIssue(machine, key, $"{file} cannot be loaded: {ex.Message} {fix}"));
            }
        }

        var models = c.Models;
        const string Refetch = "Fix: `appliance models verify`, then `appliance models fetch` to replace it.";
        var vad = models.Resolve(models.Vad);
        if (!File.Exists(vad))
        {
            Missing("Models:Vad", vad, "run `appliance models fetch` or fix Models:Directory.");
        }
        else
        {
            Loads("Models:Vad", vad, static f => Models.Vad.SileroVadModel.Load(f).Dispose(), Refetch);
        }

        var whisper = models.Resolve(models.WhisperModel);
        if (models.Stt == SttEngine.Whisper && !File.Exists(whisper))
        {
            Missing("Models:WhisperModel", whisper, "run `appliance models fetch` (ggml-base.en.bin or ggml-tiny.en.bin).");
        }
        else if (models.Stt == SttEngine.Whisper)
        {
            Loads("Models:WhisperModel", whisper, static f => Models.Whisper.WhisperModel.Validate(f), Refetch);
        }

        var voice = Path.Combine(models.Resolve(models.TtsVoice), "model.onnx");
        if (!File.Exists(voice))
        {
            Missing("Models:TtsVoice", voice, "run `appliance models fetch` or fix Models:TtsVoice.");
        }
        else
        {
            Loads("Models:TtsVoice", voice, f => Models.Piper.PiperVoice.Load(models.Resolve(models.TtsVoice)).Dispose(), Refetch);
        }

        CheckWakeWords(c, Missing, Loads);

        if (c.Leds.Kind == LedKind.Apa102 && !File.Exists(c.Leds.SpiDevice))
        {
            // The appliance runs without its LED ring: a warning.
            issues.Add(new ConfigIssue(ConfigSeverity.Warning, "Leds:SpiDevice", $"{c.Leds.SpiDevice} does not exist on this machine; enable SPI (dtparam=spi=on in /boot/firmware/config.txt) or set Leds:Kind to none."));
        }

        var gpioChips = new[] { c.Button.Enabled ? c.Button.Chip ?? c.Gpio.Chip : null, c.Leds.Kind == LedKind.Gpio || (c.Leds.Kind == LedKind.Apa102 && c.Leds.PowerLine is not null) ? c.Gpio.Chip : null }
            .OfType<string>().Distinct(StringComparer.Ordinal);
        foreach (var selector in gpioChips)
        {
            // The chip the button / LEDs name, through the same libgpiod stack the daemon uses. A board without it
            // still runs (the appliance keeps going without the peripheral): a warning naming the chips and the fix.
            try
            {
                using var chips = Device.Gpio.GpioChips.LibGpiod();
                _ = chips.Resolve(selector);
            }
            catch (Device.DeviceIOException ex)
            {
                issues.Add(new ConfigIssue(ConfigSeverity.Warning, "Gpio:Chip", $"{ex.Message} The button and GPIO-driven LEDs work only on a board with that chip."));
            }
        }

        if (c.Workflow is { Kind: WorkflowKind.Intents or WorkflowKind.IntentsThenLlm, IntentsFile: var intents } && !File.Exists(intents))
        {
            Missing("Workflow:IntentsFile", intents, "create it or point Workflow:IntentsFile at it.");
        }

        var mqttEnabled = string.Equals(c.Value("Mqtt:Enabled")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
        if (c.Workflow.Kind == WorkflowKind.Mqtt && !mqttEnabled)
        {
            issues.Add(new ConfigIssue(ConfigSeverity.Error, "Mqtt:Enabled", "Workflow:Kind is 'mqtt' but Mqtt:Enabled is not true; enable MQTT or choose another workflow."));
        }

        if (mqttEnabled && (c.Value("Mqtt:StateDirectory") is { Length: > 0 } configured ? configured : new Mqtt.MqttOptions().StateDirectory) is var state
            && Mqtt.DurableOutbox.CheckStateDirectory(state) is { } stateProblem)
        {
            issues.Add(new ConfigIssue(machine, "Mqtt:StateDirectory", stateProblem));
        }

        if (mqttEnabled && c.Value("Mqtt:PasswordFile") is { Length: > 0 } pw && !File.Exists(pw))
        {
            Missing("Mqtt:PasswordFile", pw, "create it (mode 600, owned by the service user) or remove the key.");
        }
    }

    /// <summary>
    /// With <c>Pipeline:WakeWord:Enabled</c>: the two feature models and every word's classifier exist and load with
    /// the validation <c>run</c> does (a damaged or wrong model would otherwise stop the daemon at start).
    /// </summary>
    private static void CheckWakeWords(LoadedConfiguration c, Action<string, string, string> missing, Action<string, string, Action<string>, string> loads)
    {
        var wake = c.Pipeline.WakeWord;
        if (!wake.Enabled)
        {
            return;
        }

        var models = c.Models;
        const string Key = "Pipeline:WakeWord";
        var mel = Hosting.ApplianceEngines.WakeWordMelspectrogramPath(models);
        var embedding = Hosting.ApplianceEngines.WakeWordEmbeddingPath(models);
        var featuresPresent = true;
        foreach (var (file, name) in new[] { (mel, "openwakeword-melspectrogram"), (embedding, "openwakeword-embedding") })
        {
            if (!File.Exists(file))
            {
                featuresPresent = false;
                missing(Key, file, $"the wake word chain needs it: run `appliance models fetch {name}` or fix Models:Directory, or set {Key}:Enabled = false.");
            }
        }

        if (featuresPresent)
        {
            loads(Key, $"{mel} or {Path.GetFileName(embedding)}", _ => Models.WakeWord.WakeWordFeatureModels.Load(mel, embedding).Dispose(), "Fix: `appliance models fetch openwakeword-melspectrogram openwakeword-embedding` to replace them.");
        }

        for (var i = 0; i < wake.Words.Count; i++)
        {
            if (wake.Words[i]?.Model is not { Length: > 0 } model || string.IsNullOrWhiteSpace(model))
            {
                continue; // the section's own validation has reported it
            }

            var key = $"{Key}:Words:{i}:Model";
            var file = Hosting.ApplianceEngines.WakeWordModelPath(models, model);
            var pretrained = !model.Contains('/', StringComparison.Ordinal) && !model.EndsWith(".onnx", StringComparison.Ordinal);
            var fetch = pretrained
                ? $"run `appliance models fetch {Hosting.ApplianceEngines.WakeWordModelName(model)}` (pretrained: hey_jarvis, hey_mycroft, hey_rhasspy, alexa), or set {key} to the path of an openWakeWord .onnx classifier."
                : $"fix {key} (a path relative to Models:Directory or absolute) or put the openWakeWord classifier there.";
            if (!File.Exists(file))
            {
                missing(key, file, fetch);
            }
            else
            {
                loads(key, file, static f => Models.WakeWord.WakeWordModel.Load(f).Dispose(), pretrained ? $"Fix: `appliance models fetch {Hosting.ApplianceEngines.WakeWordModelName(model)}` to replace it." : $"Fix: point {key} at an openWakeWord classifier .onnx file.");
            }
        }
    }

    private static void CheckCloud(LoadedConfiguration c, List<ConfigIssue> issues, ConfigSeverity machine, IReadOnlyDictionary<string, string?>? environment)
    {
        var cloud = c.Cloud;
        if (c.Workflow.Kind is WorkflowKind.Llm or WorkflowKind.IntentsThenLlm && cloud.Llm is null)
        {
            issues.Add(new ConfigIssue(ConfigSeverity.Error, "Workflow:Kind", $"'{c.Workflow.Kind}' needs the assistant configured in Cloud:Llm (BaseUrl, Model, ApiKeyFile); or use 'intents'."));
        }

        if (cloud.Llm is not null && c.Workflow.Kind is not (WorkflowKind.Llm or WorkflowKind.IntentsThenLlm))
        {
            issues.Add(new ConfigIssue(ConfigSeverity.Warning, "Cloud:Llm", $"is configured but Workflow:Kind is '{c.Workflow.Kind}', so it is not used; set Workflow:Kind to llm or intents-then-llm."));
        }

        foreach (var provider in new[] { cloud.Llm, cloud.Stt, cloud.Tts })
        {
            if (provider?.ApiKeyFile is not { } file)
            {
                continue;
            }

            try
            {
                // Validates the file (exists, one line); the key itself is never shown.
                _ = Cloud.ApiKey.Load($"Cloud:{provider.Kind}:ApiKeyFile", file, environment);
            }
            catch (Cloud.CloudConfigurationException ex)
            {
                var key = $"Cloud:{provider.Kind}:ApiKeyFile";
                var message = ex.Message.StartsWith(key + ": ", StringComparison.Ordinal) ? ex.Message[(key.Length + 2)..] : ex.Message;
                issues.Add(new ConfigIssue(machine, key, message));
            }
        }

        if (cloud.Realtime?.ApiKeyFile is { } realtimeKey)
        {
            try
            {
                _ = Cloud.ApiKey.Load("Cloud:Realtime:ApiKeyFile", realtimeKey, environment);
            }
            catch (Cloud.CloudConfigurationException ex)
            {
                issues.Add(new ConfigIssue(machine, "Cloud:Realtime:ApiKeyFile", ex.Message.Replace("Cloud:Realtime:ApiKeyFile: ", string.Empty, StringComparison.Ordinal)));
            }
        }
    }
}
