using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Cloud;
using VoiceAppliance.Testing;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Tests.Cloud;

/// <summary>Options, keys, logs and turns for the cloud tests.</summary>
internal static class CloudTestKit
{
    /// <summary>The API key the tests use: it must never appear in a log line or an event.</summary>
    public const string Secret = "sk-test-7f3c9a1e5b2d48c6a0e9f1d2c3b4a5e6";

    /// <summary>A key file holding <see cref="Secret"/>.</summary>
    public static string KeyFile()
    {
        var dir = TestPaths.NewTempDirectory("cloud-key");
        var path = Path.Combine(dir, "openai.key");
        File.WriteAllText(path, Secret + "\n");
        return path;
    }

    public static CloudProviderOptions Options(CloudProviderKind kind, Uri baseUrl, Func<CloudProviderOptions, CloudProviderOptions>? with = null)
    {
        var o = new CloudProviderOptions
        {
            Kind = kind,
            BaseUrl = baseUrl,
            Model = kind switch { CloudProviderKind.Llm => "gpt-4o-mini", CloudProviderKind.Stt => "whisper-1", _ => "tts-1" },
            ApiKeyFile = KeyFile(),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            FirstByteTimeout = TimeSpan.FromSeconds(10),
            TotalTimeout = TimeSpan.FromSeconds(30),
            MaxAttempts = 2,
            FailureThreshold = 3,
            CoolDown = TimeSpan.FromSeconds(60),
            MaxResponseBytes = kind == CloudProviderKind.Tts ? 4 * 1024 * 1024 : 1024 * 1024,
        };
        return with?.Invoke(o) ?? o;
    }

    public static CloudEndpoint Endpoint(CloudProviderOptions options, LogCapture log, TimeProvider? time = null) =>
        new(options, ApiKey.Load("Cloud:Test:ApiKeyFile", options.ApiKeyFile!), time ?? TimeProvider.System, log.CreateLogger("cloud"));

    public static WorkflowTurn Turn(string transcript, IApplianceControl appliance, string session = "s1", int index = 0) =>
        new(session, index, transcript, ReadOnlyMemory<float>.Empty, 16000, appliance);

    /// <summary>Runs a workflow turn to its end (fails the test after <paramref name="seconds"/>).</summary>
    public static async Task<List<string>> CollectAsync(IVoiceWorkflow workflow, WorkflowTurn turn, double seconds = 60)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var pieces = new List<string>();
        await foreach (var piece in workflow.RespondAsync(turn, cts.Token))
        {
            pieces.Add(piece);
        }

        return pieces;
    }
}

/// <summary>Records every log line (message and exception) of every category, to scan for secrets.</summary>
internal sealed class LogCapture : ILoggerFactory
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>Fails when any line holds <see cref="CloudTestKit.Secret"/>.</summary>
    public void AssertNoSecret()
    {
        Assert.DoesNotContain(Lines, l => l.Contains(CloudTestKit.Secret, StringComparison.Ordinal) || l.Contains(CloudTestKit.Secret[8..], StringComparison.Ordinal));
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " | " + exception)}");
    }
}

/// <summary>The appliance controls as a workflow sees them, recorded (the pipeline's own implementation is exercised in the end-to-end tests).</summary>
internal sealed class RecordingAppliance : IApplianceControl
{
    public int Volume { get; set; } = 50;

    public bool Muted { get; private set; }

    public List<string> Said { get; } = [];

    public void MuteAfterReply() => Muted = true;

    public bool Say(string text)
    {
        Said.Add(text);
        return true;
    }
}
