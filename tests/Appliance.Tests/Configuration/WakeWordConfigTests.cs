using VoiceAppliance.Configuration;
using VoiceAppliance.Pipeline;

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
              "Words": [ { "Model": "hey_jarvis", "Threshold": 0.6 }, { "Model": "alexa", "Threshold": 0.7, "Action": "event", "Event": "alexa_heard" } ] } } }
            """, s_noEnv);
        Assert.True(c.Issues.Count == 0, string.Join(Environment.NewLine, c.Issues));
        var wake = c.Get<PipelineOptions>("Pipeline").WakeWord;
        Assert.True(wake.Enabled);
        Assert.True(wake.VadGate);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), wake.Refractory);
        Assert.Equal(TimeSpan.FromMilliseconds(400), wake.WordTail);
        Assert.Equal(TimeSpan.FromSeconds(2), wake.GateCatchUp);
        Assert.Equal(2, wake.Words.Count);
        Assert.Equal(new WakeWordEntry { Model = "hey_jarvis", Threshold = 0.6f }, wake.Words[0]);
        Assert.Equal(new WakeWordEntry { Model = "alexa", Threshold = 0.7f, Action = WakeWordAction.Event, Event = "alexa_heard" }, wake.Words[1]);
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
}
