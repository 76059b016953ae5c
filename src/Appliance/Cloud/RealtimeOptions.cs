using VoiceAppliance.Configuration;

namespace VoiceAppliance.Cloud;

/// <summary>
/// Section <c>Cloud:Realtime</c>: an OpenAI Realtime speech-to-speech session (WebSocket) that answers a session's turns
/// instead of STT -> workflow -> TTS. Absent (null) unless configured; then nothing of it is loaded.
/// </summary>
public sealed record RealtimeOptions
{
    /// <summary>The <c>server_vad</c> mode's name.</summary>
    public const string ServerVad = "server_vad";

    /// <summary>The <c>semantic_vad</c> mode's name.</summary>
    public const string SemanticVad = "semantic_vad";

    /// <summary>The WebSocket URL without the model, e.g. <c>wss://api.openai.com/v1/realtime</c>.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The model, sent as <c>?model=</c>.</summary>
    public required string Model { get; init; }

    /// <summary>The file holding the API key (as for the other providers); null: no Authorization header.</summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>Name in reports (<c>provider</c>); default <c>cloud-realtime</c>.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The voice of the answers.</summary>
    public string Voice { get; init; } = "alloy";

    /// <summary>The session's instructions (system prompt).</summary>
    public string Instructions { get; init; } = CloudProviderOptions.DefaultSystemPrompt;

    /// <summary>The model transcribing the user's audio (<c>input_audio_transcription</c>); empty: no user transcript.</summary>
    public string TranscriptionModel { get; init; } = "whisper-1";

    /// <summary>
    /// Who ends a turn: <c>device</c> (the device's own endpointer; the whole utterance goes up, is committed and a
    /// response asked for), <c>server_vad</c> or <c>semantic_vad</c> (the microphone is streamed while listening and
    /// the server's turn detection ends the turn and starts the response itself).
    /// </summary>
    public string TurnDetection { get; init; } = "device";

    /// <summary><c>server_vad</c>'s activation threshold (0-1; the API's default 0.5).</summary>
    public double VadThreshold { get; init; } = 0.5;

    /// <summary><c>server_vad</c>'s audio kept before detected speech, in ms (the API's default 300).</summary>
    public int VadPrefixPaddingMs { get; init; } = 300;

    /// <summary><c>server_vad</c>'s silence that ends speech, in ms (the API's default 500).</summary>
    public int VadSilenceDurationMs { get; init; } = 500;

    /// <summary><c>semantic_vad</c>'s eagerness: <c>low</c>, <c>medium</c>, <c>high</c> or <c>auto</c> (= medium; the API's default).</summary>
    public string Eagerness { get; init; } = "auto";

    /// <summary>
    /// The device's safety net in a server mode: silence (by the device's VAD) after the user's last speech for this
    /// long without the server ending the turn ends it on the device and answers it on the local path
    /// (<c>no_turn_end</c>). Null: <see cref="EffectiveTurnEndTimeout"/>'s default for the mode.
    /// </summary>
    public TimeSpan? TurnEndTimeout { get; init; }

    /// <summary>Whether the server's turn detection ends turns (the microphone is streamed while listening).</summary>
    public bool ServerTurns => TurnDetection is ServerVad or SemanticVad;

    /// <summary>
    /// <see cref="TurnEndTimeout"/>, or by default: <c>server_vad</c> its silence duration + 2 s; <c>semantic_vad</c>
    /// the eagerness's longest wait (low 8 s, medium/auto 4 s, high 2 s, per the API reference) + 1 s.
    /// </summary>
    public TimeSpan EffectiveTurnEndTimeout => TurnEndTimeout ?? (TurnDetection == SemanticVad
        ? TimeSpan.FromSeconds(Eagerness switch { "low" => 9, "high" => 3, _ => 5 })
        : TimeSpan.FromMilliseconds(VadSilenceDurationMs + 2000));

    /// <summary>TCP + TLS + WebSocket handshake limit.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The longest silence of the server while a response is awaited or streamed.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Largest WebSocket message accepted; a bigger one ends the session (<c>too_large</c>), never an allocation.</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>After each answer, listen for a follow-up without a new trigger (the conversation goes on).</summary>
    public bool FollowUp { get; init; } = true;

    /// <summary>Rounds of tool calls in one turn.</summary>
    public int MaxToolRounds { get; init; } = 3;

    /// <summary>Consecutive failed turns that open the circuit (the local path at once).</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>How long an open circuit skips the provider.</summary>
    public TimeSpan CoolDown { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The name in reports.</summary>
    public string ReportName => Name.Length > 0 ? Name : "cloud-realtime";

    /// <summary>The URL connected to: <see cref="BaseUrl"/> with <c>model=</c>.</summary>
    public Uri ConnectUrl => new(BaseUrl.AbsoluteUri + (BaseUrl.Query.Length > 0 ? "&" : "?") + "model=" + Uri.EscapeDataString(Model));

    /// <summary>Reads and validates <c>Cloud:Realtime</c>; null when absent.</summary>
    public static RealtimeOptions? Read(ConfigSectionReader cloud)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        if (!cloud.Has("Realtime"))
        {
            return null;
        }

        var r = cloud.Section("Realtime");
        if (r.Has("ApiKey"))
        {
            r.Error("ApiKey", "an inline API key is refused (config files get copied, logged and backed up). Put the key in a file readable only by the service and set ApiKeyFile to it (or to a systemd LoadCredential= name).");
        }

        var baseUrl = r.GetString("BaseUrl", string.Empty, allowEmpty: true);
        Uri? uri = null;
        if (baseUrl.Length == 0)
        {
            r.Error("BaseUrl", "is required: the Realtime WebSocket URL, e.g. wss://api.openai.com/v1/realtime.");
        }
        else if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out uri) || (uri.Scheme != "wss" && uri.Scheme != "ws"))
        {
            r.Error("BaseUrl", $"'{baseUrl}' is not a WebSocket URL; use e.g. wss://api.openai.com/v1/realtime.");
            uri = null;
        }
        else if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            r.Error("BaseUrl", "must not hold credentials (user:password@); put the API key in the file ApiKeyFile names.");
            uri = null;
        }
        else if (uri.Scheme == "ws" && !uri.IsLoopback)
        {
            r.Warning("BaseUrl", $"plain ws to {uri.Host}: audio, transcripts and the API key cross the network unencrypted. Use wss unless the server is on a LAN you trust.");
        }

        var model = r.GetString("Model", string.Empty, allowEmpty: true);
        if (model.Length == 0)
        {
            r.Error("Model", "is required: the realtime model, e.g. gpt-realtime or gpt-4o-realtime-preview.");
        }

        var defaults = new RealtimeOptions { BaseUrl = new Uri("wss://localhost/"), Model = "-" };
        var detection = r.GetString("TurnDetection", defaults.TurnDetection).Trim().ToLowerInvariant();
        if (detection is not ("device" or ServerVad or SemanticVad))
        {
            r.Error("TurnDetection", $"'{detection}' is not a turn detection: use 'device' (the device's endpointer ends each turn), 'server_vad' (the server's VAD) or 'semantic_vad' (the server's turn model).");
            detection = defaults.TurnDetection;
        }

        foreach (var key in (ReadOnlySpan<string>)["VadThreshold", "VadPrefixPaddingMs", "VadSilenceDurationMs"])
        {
            if (detection != ServerVad && r.Has(key))
            {
                r.Error(key, $"applies only to TurnDetection 'server_vad' (it is '{detection}'); remove it or set TurnDetection to server_vad.");
            }
        }

        if (detection != SemanticVad && r.Has("Eagerness"))
        {
            r.Error("Eagerness", $"applies only to TurnDetection 'semantic_vad' (it is '{detection}'); remove it or set TurnDetection to semantic_vad.");
        }

        if (detection == "device" && r.Has("TurnEndTimeoutMs"))
        {
            r.Error("TurnEndTimeoutMs", "applies only when the server ends turns (TurnDetection server_vad or semantic_vad); the device's own endpointing is under Pipeline:Endpointing.");
        }

        var eagerness = r.GetString("Eagerness", defaults.Eagerness).Trim().ToLowerInvariant();
        if (eagerness is not ("low" or "medium" or "high" or "auto"))
        {
            r.Error("Eagerness", $"'{eagerness}' is not an eagerness: use low (waits up to 8 s for the user to go on), medium, high (up to 2 s) or auto (= medium).");
            eagerness = defaults.Eagerness;
        }

        return new RealtimeOptions
        {
            BaseUrl = uri ?? defaults.BaseUrl,
            Model = model.Length == 0 ? "-" : model,
            ApiKeyFile = r.GetOptionalString("ApiKeyFile"),
            Name = r.GetString("Name", string.Empty, allowEmpty: true),
            Voice = r.GetString("Voice", defaults.Voice),
            Instructions = r.GetString("Instructions", defaults.Instructions),
            TranscriptionModel = r.GetString("TranscriptionModel", defaults.TranscriptionModel, allowEmpty: true),
            TurnDetection = detection,
            VadThreshold = r.GetDouble("VadThreshold", defaults.VadThreshold, 0, 1),
            VadPrefixPaddingMs = r.GetInt("VadPrefixPaddingMs", defaults.VadPrefixPaddingMs, 0, 2000),
            VadSilenceDurationMs = r.GetInt("VadSilenceDurationMs", defaults.VadSilenceDurationMs, 100, 5000),
            Eagerness = eagerness,
            TurnEndTimeout = r.Has("TurnEndTimeoutMs") ? r.GetMilliseconds("TurnEndTimeoutMs", TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30)) : null,
            ConnectTimeout = r.GetMilliseconds("ConnectTimeoutMs", defaults.ConnectTimeout, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30)),
            ResponseTimeout = r.GetMilliseconds("ResponseTimeoutMs", defaults.ResponseTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(120)),
            MaxMessageBytes = r.GetInt("MaxMessageKiB", defaults.MaxMessageBytes / 1024, 16, 16 * 1024) * 1024,
            FollowUp = r.GetBool("FollowUp", defaults.FollowUp),
            MaxToolRounds = r.GetInt("MaxToolRounds", defaults.MaxToolRounds, 0, 10),
            FailureThreshold = r.GetInt("FailureThreshold", defaults.FailureThreshold, 1, 100),
            CoolDown = TimeSpan.FromSeconds(r.GetInt("CoolDownSeconds", (int)defaults.CoolDown.TotalSeconds, 1, 3600)),
        };
    }
}
