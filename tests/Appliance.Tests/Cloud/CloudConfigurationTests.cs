using VoiceAppliance.Cloud;
using VoiceAppliance.Configuration;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Cloud;

/// <summary>The <c>Cloud</c> section, API key files and <c>config check</c>: validated, and the key never shown.</summary>
public sealed class CloudConfigurationTests
{
    private static readonly Dictionary<string, string?> s_noEnv = [];

    private static LoadedConfiguration Load(string json) => ApplianceConfiguration.CreateDefault().LoadJson(json, s_noEnv);

    [Fact]
    public void Without_a_cloud_section_nothing_of_the_cloud_is_configured()
    {
        var c = Load("{}");
        Assert.Same(CloudOptions.None, c.Cloud);
        Assert.False(c.Cloud.Any);
        Assert.Empty(c.Issues);
    }

    [Fact]
    public void A_full_cloud_section_is_read_with_its_limits()
    {
        var c = Load("""
            {
              "Workflow": { "Kind": "intents-then-llm" },
              "Cloud": {
                "Llm": { "BaseUrl": "https://api.openai.com/v1", "Model": "gpt-4o-mini", "ApiKeyFile": "openai", "ConnectTimeoutMs": 1500,
                         "FirstByteTimeoutMs": 6000, "TotalTimeoutMs": 20000, "FailureThreshold": 2, "CoolDownSeconds": 120, "MaxToolRounds": 2,
                         "MaxHistoryMessages": 8, "SystemPrompt": "Be brief." },
                "Stt": { "BaseUrl": "http://127.0.0.1:8000/v1", "Model": "Systran/faster-whisper-small", "Language": "en" },
                "Tts": { "BaseUrl": "https://api.openai.com/v1", "Model": "tts-1", "Voice": "nova", "ResponseFormat": "wav", "Speed": 1.1 }
              }
            }
            """);
        Assert.Empty(c.Issues);
        Assert.Equal(WorkflowKind.IntentsThenLlm, c.Workflow.Kind);
        var llm = c.Cloud.Llm!;
        Assert.Equal(new Uri("https://api.openai.com/v1/chat/completions"), llm.Endpoint("chat/completions"));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), llm.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(6), llm.FirstByteTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), llm.TotalTimeout);
        Assert.Equal(2, llm.FailureThreshold);
        Assert.Equal(TimeSpan.FromMinutes(2), llm.CoolDown);
        Assert.Equal("Be brief.", llm.SystemPrompt);
        Assert.Equal("openai", llm.ApiKeyFile);
        Assert.Equal("en", c.Cloud.Stt!.Language);
        Assert.Null(c.Cloud.Stt.ApiKeyFile);
        Assert.Equal("wav", c.Cloud.Tts!.ResponseFormat);
        Assert.Equal("cloud-tts", c.Cloud.Tts.ReportName);
    }

    [Fact]
    public void An_inline_api_key_is_refused_without_being_repeated()
    {
        var c = Load($$"""{ "Cloud": { "Llm": { "BaseUrl": "https://api.openai.com/v1", "Model": "gpt-4o-mini", "ApiKey": "{{CloudTestKit.Secret}}" } } }""");
        var issue = Assert.Single(c.Issues, i => i.Severity == ConfigSeverity.Error);
        Assert.Equal("Cloud:Llm:ApiKey", issue.Key);
        Assert.Contains("ApiKeyFile", issue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(c.Issues, i => i.ToString().Contains(CloudTestKit.Secret[8..], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://192.168.1.20:8000/v1", ConfigSeverity.Warning, "unencrypted")]
    [InlineData("ftp://example.com/v1", ConfigSeverity.Error, "not an http(s) URL")]
    [InlineData("https://user:pw@example.com/v1", ConfigSeverity.Error, "must not hold credentials")]
    [InlineData("", ConfigSeverity.Error, "is required")]
    public void The_base_url_is_checked(string url, ConfigSeverity severity, string message)
    {
        var c = Load($$"""{ "Cloud": { "Stt": { "BaseUrl": "{{url}}", "Model": "whisper-1" } } }""");
        var issue = Assert.Single(c.Issues, i => i.Key == "Cloud:Stt:BaseUrl");
        Assert.Equal(severity, issue.Severity);
        Assert.Contains(message, issue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw@", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loopback_http_is_fine_and_a_tts_format_that_cannot_stream_is_an_error()
    {
        var c = Load("""{ "Cloud": { "Tts": { "BaseUrl": "http://127.0.0.1:8000/v1", "Model": "piper", "ResponseFormat": "mp3" }, "Llm": { "BaseUrl": "http://localhost:11434/v1" } } }""");
        Assert.Equal(["Cloud:Llm:Model", "Cloud:Tts:ResponseFormat"], c.Issues.Where(i => i.Severity == ConfigSeverity.Error).Select(i => i.Key).Order());
        Assert.DoesNotContain(c.Issues, i => i.Severity == ConfigSeverity.Warning && i.Key.EndsWith("BaseUrl", StringComparison.Ordinal));
    }

    [Fact]
    public void Key_files_come_from_the_credentials_directory_and_are_checked()
    {
        var dir = TestPaths.NewTempDirectory("creds");
        try
        {
            File.WriteAllText(Path.Combine(dir, "openai"), CloudTestKit.Secret + "\n");
            File.WriteAllText(Path.Combine(dir, "two-lines"), "sk-one\nsk-two\n");
            File.WriteAllText(Path.Combine(dir, "empty"), "\n");
            var env = new Dictionary<string, string?> { ["CREDENTIALS_DIRECTORY"] = dir };

            var key = ApiKey.Load("Cloud:Llm:ApiKeyFile", "openai", env);
            Assert.Equal("(api key)", key.ToString());
            Assert.Equal(Path.Combine(dir, "openai"), ApiKey.Resolve("openai", env));

            var missing = Assert.Throws<CloudConfigurationException>(() => ApiKey.Load("Cloud:Llm:ApiKeyFile", "absent", env));
            Assert.Contains("Cloud:Llm:ApiKeyFile", missing.Message, StringComparison.Ordinal);
            Assert.Contains("LoadCredential=", missing.Message, StringComparison.Ordinal);
            Assert.Contains("more than one", Assert.Throws<CloudConfigurationException>(() => ApiKey.Load("k", "two-lines", env)).Message, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-one", Assert.Throws<CloudConfigurationException>(() => ApiKey.Load("k", "two-lines", env)).Message, StringComparison.Ordinal);
            Assert.Contains("is empty", Assert.Throws<CloudConfigurationException>(() => ApiKey.Load("k", "empty", env)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Config_check_finds_a_missing_assistant_and_a_missing_key_file_and_never_prints_a_key()
    {
        var dir = TestPaths.NewTempDirectory("cloud-check");
        try
        {
            var keyFile = Path.Combine(dir, "tts.key");
            File.WriteAllText(keyFile, CloudTestKit.Secret);
            var path = Path.Combine(dir, "appliance.json");
            File.WriteAllText(path, $$"""
                {
                  "Workflow": { "Kind": "llm" },
                  "Cloud": {
                    "Stt": { "BaseUrl": "https://api.openai.com/v1", "Model": "whisper-1", "ApiKeyFile": "{{Path.Combine(dir, "absent.key")}}" },
                    "Tts": { "BaseUrl": "https://api.openai.com/v1", "Model": "tts-1", "ApiKeyFile": "{{keyFile}}" }
                  }
                }
                """);
            var issues = ConfigCheck.Run(path, s_noEnv, portable: true);
            Assert.Contains(issues, i => i.Key == "Workflow:Kind" && i.Severity == ConfigSeverity.Error && i.Message.Contains("Cloud:Llm", StringComparison.Ordinal));
            Assert.Contains(issues, i => i.Key == "Cloud:Stt:ApiKeyFile" && i.Message.StartsWith("the key file", StringComparison.Ordinal) && i.Message.Contains("does not exist", StringComparison.Ordinal));
            Assert.DoesNotContain(issues, i => i.Key == "Cloud:Tts:ApiKeyFile");
            using var printed = new StringWriter();
            ConfigCheck.Print(printed, path, issues);
            Assert.DoesNotContain(CloudTestKit.Secret, printed.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
