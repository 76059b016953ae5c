using VoiceAppliance.Configuration;
using VoiceAppliance.Device.Button;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Leds;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Configuration;

public sealed class ConfigurationTests
{
    private static readonly Dictionary<string, string?> s_noEnv = [];

    private static LoadedConfiguration Load(string json, Dictionary<string, string?>? env = null)
        => ApplianceConfiguration.CreateDefault().LoadJson(json, env ?? s_noEnv);

    private static ConfigIssue Single(LoadedConfiguration c, string key)
        => Assert.Single(c.Issues, i => string.Equals(i.Key, key, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void Capture_buffer_and_real_time_priority_reach_the_capture_and_playback_options()
    {
        var c = Load("""{ "Audio": { "PeriodMs": 10, "CaptureBufferMs": 120, "RealTimePriority": 15 } }""");
        Assert.False(c.HasErrors, string.Join("; ", c.Issues));
        var capture = c.Audio.ToCaptureOptions();
        Assert.Equal((12, 15), (capture.Periods, capture.RealTimePriority));
        Assert.Equal(15, c.Audio.ToPlaybackOptions().RealTimePriority);

        var defaults = Load("{}").Audio;
        Assert.Equal((4, 20), (defaults.ToCaptureOptions().Periods, defaults.RealTimePriority));
    }

    [Theory]
    [InlineData("""{ "Audio": { "PeriodMs": 20, "CaptureBufferMs": 30 } }""", "less than two periods")]
    [InlineData("""{ "Audio": { "PeriodMs": 20, "CaptureBufferMs": 90 } }""", "use 80 or 100")]
    [InlineData("""{ "Audio": { "PeriodMs": 5, "CaptureBufferMs": 1000 } }""", "more than 64 periods")]
    [InlineData("""{ "Audio": { "RealTimePriority": 120 } }""", "120")]
    public void A_bad_capture_buffer_or_priority_is_a_clear_error(string json, string expected)
    {
        var c = Load(json);
        Assert.True(c.HasErrors);
        var issue = Assert.Single(c.Issues, i => i.Key.StartsWith("Audio:", StringComparison.Ordinal));
        Assert.Contains(expected, issue.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smart-speaker.json")]
    [InlineData("intercom.json")]
    [InlineData("home-assistant.json")]
    public void Shipped_example_configs_load_without_errors_or_warnings(string file)
    {
        var path = Path.Combine(TestPaths.Root, "config", file);
        // The MQTT example names a password file that exists on the device; here a temporary one stands in.
        var password = Path.GetTempFileName();
        File.WriteAllText(password, "secret\n");
        var env = file == "home-assistant.json" ? new Dictionary<string, string?> { ["APPLIANCE__Mqtt__PasswordFile"] = password } : s_noEnv;
        var c = ApplianceConfiguration.CreateDefault().Load(path, env);
        File.Delete(password);
        Assert.True(c.Issues.Count == 0, string.Join(Environment.NewLine, c.Issues));
        c.ThrowIfInvalid();
        Assert.True(c.Button.Enabled);
        Assert.Equal(LedKind.Apa102, c.Leds.Kind);
    }

    [Fact]
    public void Control_characters_in_a_value_are_an_error_and_the_message_shows_them_escaped_and_short()
    {
        var c = Load("""{ "Audio": { "CaptureDevice": "mic\u0000\u001b[31m" }, "Workflow": { "Greeting": "Hello\nthere" } }""");
        var issue = Single(c, "Audio:CaptureDevice");
        Assert.Equal(ConfigSeverity.Error, issue.Severity);
        Assert.Contains("'mic\\u0000\\u001b[31m'", issue.Message, StringComparison.Ordinal);
        Assert.Contains("without control characters", issue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', issue.Message);
        Assert.DoesNotContain(c.Issues, i => i.Key == "Workflow:Greeting"); // line breaks are text

        var longValue = Load($$"""{ "Models": { "WhisperThreads": "{{new string('9', 5000)}}" } }""");
        var tooLong = Single(longValue, "Models:WhisperThreads");
        Assert.Contains("(5000 characters)", tooLong.Message, StringComparison.Ordinal);
        Assert.True(tooLong.Message.Length < 300, tooLong.Message);
    }

    [Fact]
    public void Example_configs_cover_the_three_uses()
    {
        var root = Path.Combine(TestPaths.Root, "config");
        var speaker = ApplianceConfiguration.CreateDefault().Load(Path.Combine(root, "smart-speaker.json"), s_noEnv);
        var intercom = ApplianceConfiguration.CreateDefault().Load(Path.Combine(root, "intercom.json"), s_noEnv);
        var ha = ApplianceConfiguration.CreateDefault().Load(Path.Combine(root, "home-assistant.json"), s_noEnv);
        Assert.Equal(WorkflowKind.Intents, speaker.Workflow.Kind);
        Assert.Equal("false", speaker.Value("Mqtt:Enabled"));
        Assert.Equal(PushToTalkMode.Hold, intercom.Button.Mode);
        Assert.Equal("kitchen", intercom.Value("Mqtt:IntercomTargets:0"));
        Assert.Equal("true", ha.Value("Mqtt:HomeAssistantDiscovery"));
        Assert.Equal("aggressive", ha.Value("Pipeline:Endpointing:Preset"));
        Assert.Equal(12, ha.Leds.Count);
        Assert.Equal("5", ha.Leds.PowerLine);
        Assert.Equal(LedEffect.Level, speaker.Leds.Patterns[PipelineState.Listening].Effect);
    }

    [Fact]
    public void Empty_object_gives_defaults()
    {
        var c = Load("{}");
        Assert.Empty(c.Issues);
        Assert.Equal("auto", c.Gpio.Chip);
        Assert.False(c.Button.Enabled);
        Assert.Equal(PushToTalkMode.HoldOrTap, c.Button.Mode);
        Assert.Equal(GpioBias.PullUp, c.Button.Bias);
        Assert.Equal(LedKind.None, c.Leds.Kind);
        Assert.Equal(WorkflowKind.Intents, c.Workflow.Kind);
        Assert.Equal("0", c.Audio.Channel.ToString());
        Assert.Equal(100, c.Audio.Volume);
        Assert.Equal(LedPatternSet.DefaultFor(PipelineState.Thinking), c.Leds.Patterns[PipelineState.Thinking]);
    }

    [Fact]
    public void Bad_enum_names_the_key_the_value_and_the_allowed_values()
    {
        var c = Load("""{ "Button": { "Mode": "squeeze" } }""");
        var issue = Single(c, "Button:Mode");
        Assert.Equal(ConfigSeverity.Error, issue.Severity);
        Assert.Contains("'squeeze'", issue.Message, StringComparison.Ordinal);
        Assert.Contains("hold, tap, hold-or-tap", issue.Message, StringComparison.Ordinal);
        Assert.Equal(PushToTalkMode.HoldOrTap, c.Button.Mode);
    }

    [Fact]
    public void Out_of_range_number_names_the_range()
    {
        var c = Load("""{ "Leds": { "Brightness": 40 }, "Audio": { "CaptureRate": "x" } }""");
        Assert.Contains("from 0 to 31", Single(c, "Leds:Brightness").Message, StringComparison.Ordinal);
        Assert.Contains("'x'", Single(c, "Audio:CaptureRate").Message, StringComparison.Ordinal);
        Assert.True(c.HasErrors);
        var ex = Assert.Throws<ConfigurationException>(c.ThrowIfInvalid);
        Assert.Contains("Leds:Brightness", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Audio:CaptureRate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_grammar_rejection_threshold_is_read_checked_and_reaches_the_recogniser_options()
    {
        Assert.Equal(VoiceAppliance.Models.Grammar.GrammarOptions.DefaultRejectionThreshold, (float)Load("{}").Models.ToGrammarOptions().RejectionThreshold);
        var tuned = Load("""{ "Models": { "Stt": "grammar", "GrammarRejectionThreshold": 0.3 } }""");
        Assert.Empty(tuned.Issues);
        Assert.Equal(0.3f, tuned.Models.ToGrammarOptions().RejectionThreshold);
        Assert.False(Load("""{ "Models": { "GrammarConcurrentPasses": false } }""").Models.ToGrammarOptions().ConcurrentPasses);
        Assert.True(Load("""{ "Models": { "GrammarConcurrentPasses": true } }""").Models.ToGrammarOptions().ConcurrentPasses);

        var bad = Load("""{ "Models": { "GrammarRejectionThreshold": 1.5 } }""");
        Assert.Contains("from 0 to 1", Single(bad, "Models:GrammarRejectionThreshold").Message, StringComparison.Ordinal);
        Assert.True(bad.HasErrors);
    }

    [Fact]
    public void Enum_names_are_case_and_dash_insensitive()
    {
        var c = Load("""{ "Button": { "Mode": "HOLD_OR_TAP", "Bias": "pull-down", "LongPressAction": "togglemute" }, "Workflow": { "Kind": "Echo" } }""");
        Assert.Empty(c.Issues);
        Assert.Equal(PushToTalkMode.HoldOrTap, c.Button.Mode);
        Assert.Equal(GpioBias.PullDown, c.Button.Bias);
        Assert.Equal(WorkflowKind.Echo, c.Workflow.Kind);
    }

    [Fact]
    public void Numbers_are_not_accepted_for_enums()
    {
        var c = Load("""{ "Button": { "Mode": 1 } }""");
        Assert.Equal(ConfigSeverity.Error, Single(c, "Button:Mode").Severity);
    }

    [Fact]
    public void Environment_variables_override_the_file()
    {
        var env = new Dictionary<string, string?>
        {
            ["APPLIANCE__Button__Mode"] = "tap",
            ["APPLIANCE__AUDIO__CAPTURERATE"] = "48000",
            ["APPLIANCE__Mqtt__Port"] = "8883",
            ["APPLIANCE__Leds__GpioLines"] = "24, 25",
            ["UNRELATED"] = "x",
        };
        var c = Load("""{ "Button": { "Mode": "hold" }, "Mqtt": { "Port": 1883 }, "Leds": { "Kind": "gpio", "GpioLines": ["5"] } }""", env);
        Assert.Empty(c.Issues);
        Assert.Equal(PushToTalkMode.Tap, c.Button.Mode);
        Assert.Equal(48000, c.Audio.CaptureRate);
        Assert.Equal("8883", c.Value("mqtt:port"));
        Assert.Equal(["24", "25"], c.Leds.GpioLines);
    }

    [Fact]
    public void A_bad_override_names_the_environment_variable()
    {
        var env = new Dictionary<string, string?> { ["APPLIANCE__Audio__CaptureRate"] = "fast" };
        var c = Load("{}", env);
        Assert.Contains("environment variable APPLIANCE__Audio__CaptureRate", Single(c, "Audio:CaptureRate").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_keys_are_warned_with_a_suggestion()
    {
        var c = Load("""{ "Button": { "LongPresMs": 1500 }, "Ledz": { "Count": 3 } }""");
        var key = Single(c, "Button:LongPresMs");
        Assert.Equal(ConfigSeverity.Warning, key.Severity);
        Assert.Contains("Button:LongPressMs", key.Message, StringComparison.Ordinal);
        var section = Single(c, "Ledz");
        Assert.Equal(ConfigSeverity.Warning, section.Severity);
        Assert.Contains("did you mean 'Leds'", section.Message, StringComparison.Ordinal);
        Assert.False(c.HasErrors);
    }

    [Fact]
    public void Invalid_json_is_one_error_with_the_line()
    {
        var c = Load("{\n  \"Button\": {\n    \"Mode\": \"tap\",,\n  }\n}");
        var issue = Assert.Single(c.Issues);
        Assert.Equal(ConfigSeverity.Error, issue.Severity);
        Assert.Contains("line 3", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_says_how_to_create_it()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "appliance.json");
        var c = ApplianceConfiguration.CreateDefault().Load(path, s_noEnv);
        var issue = Assert.Single(c.Issues);
        Assert.Contains(path, issue.Message, StringComparison.Ordinal);
        Assert.Contains("config/", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cross_field_rules_are_checked()
    {
        var c = Load("""{ "Button": { "HoldMs": 800, "LongPressMs": 500 }, "Audio": { "CaptureChannels": 2, "Channel": 3 }, "Leds": { "Kind": "gpio" } }""");
        Assert.Contains("longer than HoldMs", Single(c, "Button:LongPressMs").Message, StringComparison.Ordinal);
        Assert.Contains("0..1", Single(c, "Audio:Channel").Message, StringComparison.Ordinal);
        Assert.Equal(ConfigSeverity.Error, Single(c, "Leds:GpioLines").Severity);
    }

    [Fact]
    public void Led_patterns_are_configurable_per_state_with_colour_validation()
    {
        var c = Load("""{ "Leds": { "Patterns": { "Muted": { "Effect": "blink", "Color": "#FF00FF", "PeriodMs": 400 }, "Idle": { "Color": "purple" } } } }""");
        Assert.Equal(new LedPattern(LedEffect.Blink, new Rgb(255, 0, 255), TimeSpan.FromMilliseconds(400)), c.Leds.Patterns[PipelineState.Muted]);
        Assert.Contains("#RRGGBB", Single(c, "Leds:Patterns:Idle:Color").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Presets_supply_defaults_that_keys_can_override()
    {
        var c = Load("""{ "Leds": { "Preset": "respeaker-4mic", "PowerLine": null } }""");
        Assert.Equal(12, c.Leds.Count);
        Assert.Null(c.Leds.PowerLine);
        var d = Load("""{ "Leds": { "Preset": "respeaker-4mic" } }""");
        Assert.Equal("5", d.Leds.PowerLine);
    }

    public sealed record WakeWordOptions(bool Enabled, string Model);

    public sealed record SelfValidating(int Port)
    {
        public IEnumerable<string> Validate() => Port == 0 ? ["Mqtt:Port is 0; allowed: 1 to 65535."] : [];
    }

    [Fact]
    public void Sections_owned_elsewhere_accept_their_keys_until_their_reader_is_registered()
    {
        const string json = """{ "Mqtt": { "Port": 0, "Anything": 1 }, "Pipeline": { "Endpointing": { "Preset": "relaxed" } } }""";
        var placeholder = ApplianceConfiguration.CreateDefault().AddOwnedElsewhere("Mqtt").AddOwnedElsewhere("Pipeline").LoadJson(json, s_noEnv);
        Assert.Empty(placeholder.Issues);

        var owned = ApplianceConfiguration.CreateDefault()
            .AddValidated("Mqtt", r => new SelfValidating(r.GetInt("Port", 1883)), o => o.Validate())
            .LoadJson(json, s_noEnv);
        Assert.Contains(owned.Issues, i => i.Severity == ConfigSeverity.Error && i.Key == "Mqtt" && i.Message.Contains("allowed: 1 to 65535", StringComparison.Ordinal));
        Assert.Contains(owned.Issues, i => i.Severity == ConfigSeverity.Warning && i.Key == "Mqtt:Anything");
    }

    [Fact]
    public void Other_areas_plug_in_their_own_sections()
    {
        var loader = ApplianceConfiguration.CreateDefault()
            .Add("WakeWord", r => new WakeWordOptions(r.GetBool("Enabled", false), r.GetString("Model", "hey.onnx")));
        var c = loader.LoadJson("""{ "WakeWord": { "Enabled": "yes", "Modle": "x" } }""", s_noEnv);
        Assert.True(c.Get<WakeWordOptions>("WakeWord").Enabled);
        Assert.Contains("WakeWord:Model", Single(c, "WakeWord:Modle").Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => c.Get<WakeWordOptions>("Nope"));
    }

    [Fact]
    public void Path_comes_from_flag_then_environment_then_default()
    {
        Assert.Equal("/a.json", ApplianceConfiguration.ResolvePath("/a.json", new Dictionary<string, string?> { ["APPLIANCE_CONFIG"] = "/b.json" }));
        Assert.Equal("/b.json", ApplianceConfiguration.ResolvePath(null, new Dictionary<string, string?> { ["APPLIANCE_CONFIG"] = "/b.json" }));
        Assert.Equal("/etc/appliance/appliance.json", ApplianceConfiguration.ResolvePath(null, s_noEnv));
    }

    [Fact]
    public void Config_check_portable_adds_machine_checks_as_warnings()
    {
        var dir = TestPaths.NewTempDirectory("config-check");
        try
        {
            var path = Path.Combine(dir, "appliance.json");
            File.WriteAllText(path, $$"""
                {
                  "Models": { "Directory": "{{dir}}" },
                  "Leds": { "Kind": "apa102", "SpiDevice": "{{dir}}/spidev9.9" },
                  "Workflow": { "Kind": "mqtt" }
                }
                """);
            var issues = ConfigCheck.Run(path, s_noEnv, portable: true);
            Assert.Contains(issues, i => i.Key == "Models:Vad" && i.Severity == ConfigSeverity.Warning && i.Message.Contains("models fetch", StringComparison.Ordinal));
            Assert.Contains(issues, i => i.Key == "Leds:SpiDevice" && i.Message.Contains("dtparam=spi=on", StringComparison.Ordinal));
            Assert.Contains(issues, i => i.Key == "Mqtt:Enabled" && i.Severity == ConfigSeverity.Error);

            // A GPIO chip this machine lacks (the build machines have none): a warning through the daemon's own
            // libgpiod stack that names the chip asked for.
            File.WriteAllText(path, $$"""{ "Models": { "Directory": "{{dir}}" }, "Gpio": { "Chip": "pinctrl-nowhere" }, "Button": { "Enabled": true } }""");
            var gpio = Assert.Single(ConfigCheck.Run(path, s_noEnv, portable: true), i => i.Key == "Gpio:Chip");
            Assert.Equal(ConfigSeverity.Warning, gpio.Severity);
            Assert.Contains("pinctrl-nowhere", gpio.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [RequiresFileFact("silero_vad_v5.onnx", "a real model beside the damaged one")]
    public void Config_check_on_the_device_makes_missing_and_damaged_models_errors()
    {
        var dir = TestPaths.NewTempDirectory("config-check");
        try
        {
            // A truncated Silero model, and no Piper voice at all.
            File.WriteAllBytes(Path.Combine(dir, "silero_vad_v5.onnx"), File.ReadAllBytes(TestPaths.Model("silero_vad_v5.onnx"))[..3000]);
            var path = Path.Combine(dir, "appliance.json");
            File.WriteAllText(path, $$"""
                {
                  "Models": { "Directory": "{{dir}}", "Vad": "silero_vad_v5.onnx" }
                }
                """);
            var issues = ConfigCheck.Run(path, s_noEnv);
            var vad = Assert.Single(issues, i => i.Key == "Models:Vad");
            Assert.Equal(ConfigSeverity.Error, vad.Severity);
            Assert.Contains("cannot be loaded", vad.Message, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(dir, "silero_vad_v5.onnx"), vad.Message, StringComparison.Ordinal);
            Assert.Contains(issues, i => i.Key == "Models:TtsVoice" && i.Severity == ConfigSeverity.Error);
            using var output = new StringWriter();
            Assert.Equal(VoiceAppliance.Cli.ExitCodes.Config, ConfigCheck.Print(output, path, issues));

            // Checked for another machine, the same config has only warnings about this one.
            Assert.DoesNotContain(ConfigCheck.Run(path, s_noEnv, portable: true), i => i.Severity == ConfigSeverity.Error && i.Key.StartsWith("Models:", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Config_check_of_an_unparsable_file_reports_only_that()
    {
        var dir = TestPaths.NewTempDirectory("config-check");
        try
        {
            var path = Path.Combine(dir, "appliance.json");
            File.WriteAllText(path, "[1, 2]");
            var issue = Assert.Single(ConfigCheck.Run(path, s_noEnv));
            Assert.Contains("top level must be a JSON object", issue.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
