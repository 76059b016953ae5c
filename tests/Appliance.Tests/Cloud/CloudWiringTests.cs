using VoiceAppliance.Cloud;
using VoiceAppliance.Configuration;
using VoiceAppliance.Hosting;
using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Testing;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Tests.Cloud;

/// <summary>The daemon's engines with and without the <c>Cloud</c> section (real models, real key files).</summary>
public sealed class CloudWiringTests
{
    private static readonly Dictionary<string, string?> s_noEnv = [];

    private static string Json(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal);

    private static LoadedConfiguration Config(string kind, string cloud)
    {
        var intents = Path.Combine(TestPaths.Root, "config", "intents.json");
        var c = ApplianceConfiguration.CreateDefault().LoadJson($$"""
            {
              "Models": { "Directory": "{{Json(TestPaths.Models)}}", "Stt": "grammar" },
              "Workflow": { "Kind": "{{kind}}", "IntentsFile": "{{Json(intents)}}" }{{cloud}}
            }
            """, s_noEnv);
        c.ThrowIfInvalid();
        return c;
    }

    [Fact]
    public void Without_a_cloud_section_the_engines_are_the_local_ones()
    {
        using var engines = ApplianceEngines.Load(Config("intents", string.Empty), NullMessagePublisher.Instance, TimeProvider.System, new LogCapture());
        Assert.IsType<GrammarSpeechToText>(engines.Stt);
        Assert.IsType<PiperTts>(engines.Tts);
        Assert.IsType<IntentWorkflow>(engines.Workflow);
    }

    [Fact]
    public void With_cloud_providers_each_stage_is_a_chain_in_front_of_the_local_engine()
    {
        var key = CloudTestKit.KeyFile();
        var log = new LogCapture();
        var cloud = $$"""
            , "Cloud": {
                "Llm": { "BaseUrl": "http://127.0.0.1:9/v1", "Model": "m", "ApiKeyFile": "{{Json(key)}}" },
                "Stt": { "BaseUrl": "http://127.0.0.1:9/v1", "Model": "m", "ApiKeyFile": "{{Json(key)}}" },
                "Tts": { "BaseUrl": "http://127.0.0.1:9/v1", "Model": "m" }
              }
            """;
        using var engines = ApplianceEngines.Load(Config("intents-then-llm", cloud), NullMessagePublisher.Instance, TimeProvider.System, log);
        var stt = Assert.IsType<FallbackSpeechToText>(engines.Stt);
        Assert.IsType<GrammarSpeechToText>(stt.Local);
        var tts = Assert.IsType<FallbackTextToSpeech>(engines.Tts);
        Assert.IsType<PiperTts>(tts.Local);
        var llm = Assert.IsType<LlmWorkflow>(engines.Workflow);
        Assert.Equal("intents-then-llm", llm.Name);
        log.AssertNoSecret();
    }

    [Fact]
    public void A_missing_key_file_stops_the_start_with_the_key_and_the_fix()
    {
        var cloud = """, "Cloud": { "Llm": { "BaseUrl": "https://api.openai.com/v1", "Model": "gpt-4o-mini", "ApiKeyFile": "/nonexistent/openai.key" } }""";
        var ex = Assert.Throws<MissingDependencyException>(() => ApplianceEngines.Load(Config("llm", cloud), NullMessagePublisher.Instance, TimeProvider.System, new LogCapture()));
        Assert.Contains("Cloud:Llm:ApiKeyFile", ex.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/openai.key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_assistant_workflow_without_an_assistant_is_a_configuration_error()
    {
        var ex = Assert.Throws<ConfigurationException>(() => ApplianceEngines.Load(Config("llm", string.Empty), NullMessagePublisher.Instance, TimeProvider.System, new LogCapture()));
        Assert.Contains("Cloud:Llm", ex.Message, StringComparison.Ordinal);
    }
}
