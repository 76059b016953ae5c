using VoiceAppliance.Configuration;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Configuration;

public sealed class OwnedSectionsTests
{
    private static readonly Dictionary<string, string?> s_noEnv = [];

    [Theory]
    [InlineData("smart-speaker.json")]
    [InlineData("intercom.json")]
    [InlineData("home-assistant.json")]
    public void Examples_load_cleanly_with_the_pipeline_and_mqtt_readers(string file)
    {
        // MqttOptions checks that its password file exists: give the Home Assistant example a real one.
        var password = Path.GetTempFileName();
        try
        {
            File.WriteAllText(password, "secret\n");
            var env = file == "home-assistant.json" ? new Dictionary<string, string?> { ["APPLIANCE__Mqtt__PasswordFile"] = password } : s_noEnv;
            var c = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().Load(Path.Combine(TestPaths.Root, "config", file), env);
            Assert.True(c.Issues.Count == 0, string.Join(Environment.NewLine, c.Issues));
        }
        finally
        {
            File.Delete(password);
        }
    }

    [Fact]
    public void Pipeline_and_mqtt_values_arrive_in_their_records()
    {
        var c = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().Load(Path.Combine(TestPaths.Root, "config", "home-assistant.json"), s_noEnv);
        Assert.Contains(c.Issues, i => i.Key == "Mqtt" && i.Message.Contains("mqtt-password", StringComparison.Ordinal));
        var pipeline = c.Get<VoiceAppliance.Pipeline.PipelineOptions>("Pipeline");
        Assert.Equal(TimeSpan.FromSeconds(0.25), pipeline.Endpointing.SilenceToEnd);
        Assert.Equal(TimeSpan.FromSeconds(5), pipeline.Endpointing.NoSpeechTimeout);
        Assert.Equal(VoiceAppliance.Pipeline.BargeInMode.Disabled, pipeline.BargeIn.Mode);
        var mqtt = c.Get<VoiceAppliance.Mqtt.MqttOptions>("Mqtt");
        Assert.True(mqtt.Enabled);
        Assert.Equal("appliance/living-room", mqtt.BaseTopic);
        Assert.Equal("living-room", mqtt.EffectiveSiteId);
    }

    [Fact]
    public void Their_own_validation_becomes_configuration_errors()
    {
        var c = ApplianceConfiguration.CreateDefault().AddPipelineAndMqtt().LoadJson(
            """{ "Pipeline": { "Endpointing": { "SpeechThreshold": 0.3, "SilenceThreshold": 0.6 } }, "Mqtt": { "Enabled": true, "DeviceId": "bad id!" } }""", s_noEnv);
        Assert.Contains(c.Issues, i => i.Key == "Pipeline" && i.Message.Contains("SilenceThreshold", StringComparison.Ordinal));
        Assert.Contains(c.Issues, i => i.Key == "Mqtt" && i.Message.Contains("DeviceId", StringComparison.Ordinal));
    }
}
