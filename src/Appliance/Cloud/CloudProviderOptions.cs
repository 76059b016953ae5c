using VoiceAppliance.Configuration;

namespace VoiceAppliance.Cloud;

/// <summary>
/// One OpenAI-compatible provider (<c>Cloud:Llm</c>, <c>Cloud:Stt</c> or <c>Cloud:Tts</c>): where it is, which model,
/// the file holding its API key (never the key itself), its time limits, and its circuit breaker.
/// </summary>
public sealed record CloudProviderOptions
{
    /// <summary>What the provider does.</summary>
    public required CloudProviderKind Kind { get; init; }

    /// <summary>The API's base URL, e.g. <c>https://api.openai.com/v1</c> or <c>http://192.168.1.20:8000/v1</c>.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The model name the server expects.</summary>
    public required string Model { get; init; }

    /// <summary>
    /// The file holding the API key (one line). A relative path is looked up in <c>$CREDENTIALS_DIRECTORY</c>
    /// (systemd <c>LoadCredential=</c>). Null: no Authorization header (self-hosted servers).
    /// </summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>Name in reports (<c>provider</c>); default <c>cloud-llm</c>, <c>cloud-stt</c>, <c>cloud-tts</c>.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>TCP (and TLS) connect limit.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Request sent -> response headers, and the longest silence between two reads of a streamed body.</summary>
    public TimeSpan FirstByteTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The whole call, retries included.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts for answers that are safe to repeat (429, 502-504, a failed connect), before any output was used.</summary>
    public int MaxAttempts { get; init; } = 2;

    /// <summary>Consecutive failed calls that open the circuit (the provider is skipped, the local engine used at once).</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>How long an open circuit skips the provider.</summary>
    public TimeSpan CoolDown { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest response body read (a bigger one is an error, not an allocation).</summary>
    public long MaxResponseBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>LLM: the system prompt.</summary>
    public string SystemPrompt { get; init; } = DefaultSystemPrompt;

    /// <summary>LLM: messages of history kept per session (user, assistant and tool messages).</summary>
    public int MaxHistoryMessages { get; init; } = 16;

    /// <summary>LLM: rounds of tool calls in one turn before the answer must be text.</summary>
    public int MaxToolRounds { get; init; } = 3;

    /// <summary>LLM: listen for a follow-up after each answer (multi-turn without a new trigger).</summary>
    public bool FollowUp { get; init; } = true;

    /// <summary>STT: the language (ISO-639-1), or null to let the server detect it.</summary>
    public string? Language { get; init; }

    /// <summary>STT: a prompt (vocabulary hints), or null.</summary>
    public string? Prompt { get; init; }

    /// <summary>TTS: the voice.</summary>
    public string Voice { get; init; } = "alloy";

    /// <summary>TTS: <c>pcm</c> (raw S16LE mono at <see cref="PcmSampleRate"/>) or <c>wav</c>.</summary>
    public string ResponseFormat { get; init; } = "pcm";

    /// <summary>TTS: the sample rate of <c>pcm</c> answers (OpenAI: 24000).</summary>
    public int PcmSampleRate { get; init; } = 24000;

    /// <summary>TTS: speaking speed, 0.25-4.</summary>
    public double Speed { get; init; } = 1.0;

    /// <summary>The default system prompt.</summary>
    public const string DefaultSystemPrompt = "You are the voice assistant of a small device in the user's home. Your answers are spoken aloud: answer in one to three short sentences of plain text, no lists, no markdown. Use the tools to act on the home or the device.";

    /// <summary>The name in reports.</summary>
    public string ReportName => Name.Length > 0 ? Name : "cloud-" + Kind.ToString().ToLowerInvariant();

    /// <summary>The URL of <paramref name="path"/> under <see cref="BaseUrl"/> (<c>chat/completions</c> ...).</summary>
    public Uri Endpoint(string path) => new(BaseUrl.AbsoluteUri.TrimEnd('/') + "/" + path);

    /// <summary>Reads and validates <c>Cloud:{Kind}</c>; null when the section is absent.</summary>
    public static CloudProviderOptions? Read(ConfigSectionReader cloud, CloudProviderKind kind)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        var key = kind.ToString();
        if (!cloud.Has(key))
        {
            return null;
        }

        var r = cloud.Section(key);
        if (r.Has("ApiKey"))
        {
            // Never echo the value: it is a secret that should not be in this file at all.
            r.Error("ApiKey", "an inline API key is refused (config files get copied, logged and backed up). Put the key in a file readable only by the service and set ApiKeyFile to it (or to a systemd LoadCredential= name).");
        }

        var baseUrl = r.GetString("BaseUrl", string.Empty, allowEmpty: true);
        Uri? uri = null;
        if (baseUrl.Length == 0)
        {
            r.Error("BaseUrl", "is required: the API's base URL, e.g. https://api.openai.com/v1 or http://192.168.1.20:8000/v1.");
        }
        else if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            r.Error("BaseUrl", $"'{baseUrl}' is not an http(s) URL; use e.g. https://api.openai.com/v1.");
            uri = null;
        }
        else if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            r.Error("BaseUrl", "must not hold credentials (user:password@); put the API key in the file ApiKeyFile names.");
            uri = null;
        }
        else if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            r.Warning("BaseUrl", $"plain http to {uri.Host}: requests (audio, transcripts, the API key) cross the network unencrypted. Fine for a server on a LAN you trust; use https otherwise.");
        }

        var model = r.GetString("Model", string.Empty, allowEmpty: true);
        if (model.Length == 0)
        {
            r.Error("Model", "is required: the model name the server expects (e.g. gpt-4o-mini, whisper-1, tts-1, llama3.2).");
        }

        var defaults = new CloudProviderOptions { Kind = kind, BaseUrl = new Uri("https://localhost/"), Model = "-" };
        var format = r.GetString("ResponseFormat", defaults.ResponseFormat).Trim().ToLowerInvariant();
        if (kind == CloudProviderKind.Tts && format is not ("pcm" or "wav"))
        {
            r.Error("ResponseFormat", $"'{format}' cannot be played as it streams in; use pcm or wav.");
            format = defaults.ResponseFormat;
        }

        var connect = r.GetMilliseconds("ConnectTimeoutMs", defaults.ConnectTimeout, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30));
        var firstByte = r.GetMilliseconds("FirstByteTimeoutMs", kind == CloudProviderKind.Llm ? TimeSpan.FromSeconds(8) : defaults.FirstByteTimeout, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(120));
        var total = r.GetMilliseconds("TotalTimeoutMs", defaults.TotalTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(600));
        if (total < connect || total < firstByte)
        {
            r.Error("TotalTimeoutMs", "must be at least ConnectTimeoutMs and FirstByteTimeoutMs.");
        }

        var options = new CloudProviderOptions
        {
            Kind = kind,
            BaseUrl = uri ?? defaults.BaseUrl,
            Model = model.Length == 0 ? "-" : model,
            ApiKeyFile = r.GetOptionalString("ApiKeyFile"),
            Name = r.GetString("Name", string.Empty, allowEmpty: true),
            ConnectTimeout = connect,
            FirstByteTimeout = firstByte,
            TotalTimeout = total,
            MaxAttempts = r.GetInt("MaxAttempts", defaults.MaxAttempts, 1, 5),
            FailureThreshold = r.GetInt("FailureThreshold", defaults.FailureThreshold, 1, 100),
            CoolDown = TimeSpan.FromSeconds(r.GetInt("CoolDownSeconds", (int)defaults.CoolDown.TotalSeconds, 1, 3600)),
            MaxResponseBytes = r.GetInt("MaxResponseKiB", kind == CloudProviderKind.Tts ? 16 * 1024 : 4 * 1024, 16, 256 * 1024) * 1024L,
            SystemPrompt = r.GetString("SystemPrompt", defaults.SystemPrompt),
            MaxHistoryMessages = r.GetInt("MaxHistoryMessages", defaults.MaxHistoryMessages, 0, 200),
            MaxToolRounds = r.GetInt("MaxToolRounds", defaults.MaxToolRounds, 0, 10),
            FollowUp = r.GetBool("FollowUp", defaults.FollowUp),
            Language = r.GetOptionalString("Language"),
            Prompt = r.GetOptionalString("Prompt"),
            Voice = r.GetString("Voice", defaults.Voice),
            ResponseFormat = format,
            PcmSampleRate = r.GetInt("PcmSampleRate", defaults.PcmSampleRate, 8000, 48000),
            Speed = r.GetDouble("Speed", defaults.Speed, 0.25, 4),
        };
        return options;
    }
}
