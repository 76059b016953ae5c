using VoiceAppliance.Configuration;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Configuration;

/// <summary>The <c>Pipeline:WakeWord</c> section: read into <see cref="WakeWordOptions"/>, validated with clear errors.</summary>
public sealed class WakeWordConfigTests
{
    private static readonly Dictionary<string, string?> s_noEnv = [];

    [Fact]
    public void Words_thresholds_actions_and_timings_arrive_in_the_options()
    {
        var c = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson(
            """
            { "Pipeline": { "WakeWord": { "Enabled": true, "RefractoryMs": 1500, "WordTailMs": 400, "VadGate": true, "GateCatchUpMs": 2000,
              "Words": [ { "Model": "hey_jarvis", "Threshold": 0.6, "Patience": 3 }, { "Model": "alexa", "Threshold": 0.7, "Action": "event", "Event": "alexa_heard" }, { "Model": "hey_mycroft" } ] } } }
            """, s_noEnv);
        Assert.True(c.Issues.Count == 0, string.Join(Environment.NewLine, c.Issues));
        var wake = c.Get<PipelineOptions>("Pipeline").WakeWord;
        Assert.True(wake.Enabled);
        Assert.True(wake.VadGate);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), wake.Refractory);
        Assert.Equal(TimeSpan.FromMilliseconds(400), wake.WordTail);
        Assert.Equal(TimeSpan.FromSeconds(2), wake.GateCatchUp);
        Assert.Equal(3, wake.Words.Count);
        Assert.Equal(new WakeWordEntry { Model = "hey_jarvis", Threshold = 0.6f, Patience = 3 }, wake.Words[0]);
        Assert.Equal(new WakeWordEntry { Model = "alexa", Threshold = 0.7f, Action = WakeWordAction.Event, Event = "alexa_heard" }, wake.Words[1]);

        // Left out: null, so the engine takes the word's tuned default.
        Assert.Equal(new WakeWordEntry { Model = "hey_mycroft" }, wake.Words[2]);
        Assert.Null(wake.Words[2].Threshold);
        Assert.Null(wake.Words[1].Patience);
    }

    [Fact]
    public void The_reset_from_the_room_is_on_by_default_and_can_be_turned_off()
    {
        var d = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson("{}", s_noEnv).Get<PipelineOptions>("Pipeline").WakeWord;
        Assert.True(d.ResetFromRoom);
        var off = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson(
            """{ "Pipeline": { "WakeWord": { "Enabled": true, "ResetFromRoom": false } } }""", s_noEnv);
        Assert.True(off.Issues.Count == 0, string.Join(Environment.NewLine, off.Issues));
        Assert.False(off.Get<PipelineOptions>("Pipeline").WakeWord.ResetFromRoom);
    }

    [Fact]
    public void The_fine_hop_is_off_by_default_and_configurable_and_a_bad_pre_threshold_names_the_key()
    {
        var d = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson("{}", s_noEnv).Get<PipelineOptions>("Pipeline").WakeWord;
        Assert.False(d.FineHop);
        Assert.Null(d.FineHopPreThreshold);
        Assert.Equal(WakeWordOptions.DefaultFineHopFrom, d.FineHopFrom);

        var on = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson(
            """{ "Pipeline": { "WakeWord": { "Enabled": true, "FineHop": true } } }""", s_noEnv);
        Assert.Equal(WakeWordOptions.DefaultFineHopFrom, on.Get<PipelineOptions>("Pipeline").WakeWord.FineHopPreThreshold);

        var c = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson(
            """{ "Pipeline": { "WakeWord": { "Enabled": true, "FineHop": true, "FineHopFrom": 0.2 } } }""", s_noEnv);
        Assert.True(c.Issues.Count == 0, string.Join(Environment.NewLine, c.Issues));
        Assert.Equal(0.2f, c.Get<PipelineOptions>("Pipeline").WakeWord.FineHopPreThreshold);

        var off = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson(
            """{ "Pipeline": { "WakeWord": { "Enabled": true, "FineHop": false } } }""", s_noEnv);
        Assert.Null(off.Get<PipelineOptions>("Pipeline").WakeWord.FineHopPreThreshold);

        var bad = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson(
            """{ "Pipeline": { "WakeWord": { "Enabled": true, "FineHopFrom": 1.5 } } }""", s_noEnv);
        var issue = Assert.Single(bad.Issues, i => i.Severity == ConfigSeverity.Error);
        Assert.Contains("FineHopFrom", issue.Key + " " + issue.Message, StringComparison.Ordinal);

        var errors = new List<string>();
        new WakeWordOptions { Enabled = true, FineHopFrom = -1f }.Validate(errors);
        Assert.Contains(errors, e => e.Contains("FineHopFrom", StringComparison.Ordinal) && e.Contains("FineHop = false", StringComparison.Ordinal));
    }

    [Fact]
    public void Off_by_default_with_hey_jarvis_ready()
    {
        var c = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson("{}", s_noEnv);
        var wake = c.Get<PipelineOptions>("Pipeline").WakeWord;
        Assert.False(wake.Enabled);
        Assert.Equal("hey_jarvis", Assert.Single(wake.Words).Model);
    }

    [Theory]
    [InlineData("""{ "Model": "hey_jarvis", "Threshold": 1.5 }""", "Threshold")]
    [InlineData("""{ "Model": "hey_jarvis", "Patience": 0 }""", "Patience")]
    [InlineData("""{ "Model": "hey_jarvis", "Patience": 11 }""", "Patience")]
    [InlineData("""{ "Model": "hey_jarvis", "Action": "shout" }""", "Action")]
    [InlineData("""{ "Model": "hey_jarvis", "Action": "event" }""", "Event")]
    [InlineData("""{ "Model": "hey_jarvis", "Action": "event", "Event": "bad name!" }""", "Event")]
    [InlineData("""{ "Model": "hey_jarvis", "Event": "x" }""", "Event")]
    [InlineData("""{ "Threshold": 0.5 }""", "Model")]
    public void A_bad_word_is_an_error_naming_its_key(string word, string key)
    {
        var c = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson(
            $$"""{ "Pipeline": { "WakeWord": { "Enabled": true, "Words": [ {{word}} ] } } }""", s_noEnv);
        var issue = Assert.Single(c.Issues, i => i.Severity == ConfigSeverity.Error);
        Assert.Contains(key, issue.Key + " " + issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_word_twice_and_a_tail_out_of_range_are_errors()
    {
        var c = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson(
            """{ "Pipeline": { "WakeWord": { "Enabled": true, "WordTailMs": 5000, "Words": [ { "Model": "alexa" }, { "Model": "alexa" } ] } } }""", s_noEnv);
        Assert.Contains(c.Issues, i => i.Message.Contains("listed twice", StringComparison.Ordinal));
        Assert.Contains(c.Issues, i => (i.Key + i.Message).Contains("WordTail", StringComparison.Ordinal));
    }

    [RequiresFileFact("openwakeword/hey_jarvis_v0.1.onnx", "openWakeWord's real weights beside the damaged ones")]
    public void Config_check_loads_every_wake_word_model_and_names_the_key_and_the_fix()
    {
        var dir = TestPaths.NewTempDirectory("wake-config-check");
        try
        {
            // Real feature models; hey_jarvis missing, alexa truncated, and a custom path to a model of another kind.
            var wake = Directory.CreateDirectory(Path.Combine(dir, "openwakeword")).FullName;
            File.Copy(TestPaths.Model("openwakeword/melspectrogram.onnx"), Path.Combine(wake, "melspectrogram.onnx"));
            File.Copy(TestPaths.Model("openwakeword/embedding_model.onnx"), Path.Combine(wake, "embedding_model.onnx"));
            File.WriteAllBytes(Path.Combine(wake, "alexa_v0.1.onnx"), File.ReadAllBytes(TestPaths.Model("openwakeword/alexa_v0.1.onnx"))[..2000]);
            File.Copy(TestPaths.Model("silero_vad_v5.onnx"), Path.Combine(dir, "not_a_word.onnx"));
            var path = Path.Combine(dir, "appliance.json");
            File.WriteAllText(path, $$"""
                { "Models": { "Directory": "{{dir}}" },
                  "Pipeline": { "WakeWord": { "Enabled": true, "Words": [ { "Model": "hey_jarvis" }, { "Model": "alexa" }, { "Model": "not_a_word.onnx" } ] } } }
                """);

            var issues = ConfigCheck.Run(path, s_noEnv);

            Assert.DoesNotContain(issues, i => i.Key == "Pipeline:WakeWord");
            var jarvis = Assert.Single(issues, i => i.Key == "Pipeline:WakeWord:Words:0:Model");
            Assert.Equal(ConfigSeverity.Error, jarvis.Severity);
            Assert.Contains(Path.Combine(wake, "hey_jarvis_v0.1.onnx"), jarvis.Message, StringComparison.Ordinal);
            Assert.Contains("appliance models fetch openwakeword-hey-jarvis", jarvis.Message, StringComparison.Ordinal);
            var alexa = Assert.Single(issues, i => i.Key == "Pipeline:WakeWord:Words:1:Model");
            Assert.Equal(ConfigSeverity.Error, alexa.Severity);
            Assert.Contains("cannot be loaded", alexa.Message, StringComparison.Ordinal);
            Assert.Contains("openwakeword-alexa", alexa.Message, StringComparison.Ordinal);
            var other = Assert.Single(issues, i => i.Key == "Pipeline:WakeWord:Words:2:Model");
            Assert.Contains("not an openWakeWord wake word classifier", other.Message, StringComparison.Ordinal);
            Assert.Contains("Pipeline:WakeWord:Words:2:Model", other.Message, StringComparison.Ordinal);

            // For another machine the same problems are warnings.
            Assert.DoesNotContain(ConfigCheck.Run(path, s_noEnv, portable: true), i => i.Severity == ConfigSeverity.Error && i.Key.StartsWith("Pipeline:WakeWord", StringComparison.Ordinal));

            // Feature models missing: one error on the section, naming both fetches.
            File.Delete(Path.Combine(wake, "melspectrogram.onnx"));
            File.Delete(Path.Combine(wake, "embedding_model.onnx"));
            var features = ConfigCheck.Run(path, s_noEnv).Where(i => i.Key == "Pipeline:WakeWord").ToList();
            Assert.Equal(2, features.Count);
            Assert.Contains(features, i => i.Message.Contains("models fetch openwakeword-melspectrogram", StringComparison.Ordinal));
            Assert.Contains(features, i => i.Message.Contains("models fetch openwakeword-embedding", StringComparison.Ordinal));

            // Wake words off: none of it is checked.
            File.WriteAllText(path, $$"""{ "Models": { "Directory": "{{dir}}" }, "Pipeline": { "WakeWord": { "Enabled": false } } }""");
            Assert.DoesNotContain(ConfigCheck.Run(path, s_noEnv), i => i.Key.StartsWith("Pipeline:WakeWord", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [RequiresFileFact("openwakeword/hey_jarvis_v0.1.onnx", "openWakeWord's real weights")]
    public void Config_check_accepts_the_provisioned_wake_word_models()
    {
        var dir = TestPaths.NewTempDirectory("wake-config-check");
        try
        {
            var path = Path.Combine(dir, "appliance.json");
            File.WriteAllText(path, $$"""
                { "Models": { "Directory": "{{TestPaths.Models}}" },
                  "Pipeline": { "WakeWord": { "Enabled": true, "Words": [ { "Model": "hey_jarvis" }, { "Model": "alexa", "Action": "event", "Event": "alexa" } ] } } }
                """);
            Assert.DoesNotContain(ConfigCheck.Run(path, s_noEnv), i => i.Key.StartsWith("Pipeline:WakeWord", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
