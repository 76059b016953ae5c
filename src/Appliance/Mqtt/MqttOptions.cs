using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace VoiceAppliance.Mqtt;

/// <summary>
/// Configuration section <c>Mqtt</c>. Every value is checked by <see cref="Validate"/> at start; messages name the key,
/// the bad value and what is allowed.
/// </summary>
public sealed partial record MqttOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Mqtt";

    /// <summary>Connect to a broker at all.</summary>
    public bool Enabled { get; set; }

    /// <summary>Broker host name or address.</summary>
    public string Host { get; set; } = "localhost";

    /// <summary>Broker TCP port (1883 plain, 8883 usual for TLS).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>MQTT protocol version: <c>5</c> or <c>3.1.1</c>.</summary>
    public string ProtocolVersion { get; set; } = "5";

    /// <summary>Client id; defaults to <c>appliance-&lt;DeviceId&gt;</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>This device's id in topics and Home Assistant ids (letters, digits, '_' and '-'); defaults to the host name.</summary>
    public string? DeviceId { get; set; }

    /// <summary>The device name shown in Home Assistant; defaults to "Voice appliance &lt;DeviceId&gt;".</summary>
    public string? DeviceName { get; set; }

    /// <summary>Topic prefix; the base topic is <c>&lt;TopicPrefix&gt;/&lt;DeviceId&gt;</c>.</summary>
    public string TopicPrefix { get; set; } = "appliance";

    /// <summary>Keepalive interval in seconds (5..3600).</summary>
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>
    /// Clean session (3.1.1) / clean start (5). False (the default) keeps the subscriptions and the QoS 1 commands sent
    /// during a short outage at the broker, for <see cref="SessionExpirySeconds"/> (MQTT 5).
    /// </summary>
    public bool CleanSession { get; set; }

    /// <summary>MQTT 5 session expiry in seconds for persistent sessions (CleanSession false).</summary>
    public uint SessionExpirySeconds { get; set; } = 86_400;

    /// <summary>User name, if the broker requires one.</summary>
    public string? Username { get; set; }

    /// <summary>A file holding the password (first line). Preferred over <see cref="PasswordEnvironmentVariable"/>.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The name of an environment variable holding the password (for systemd <c>LoadCredential</c>/<c>Environment</c>).</summary>
    public string? PasswordEnvironmentVariable { get; set; }

    /// <summary>Use TLS.</summary>
    public bool Tls { get; set; }

    /// <summary>PEM CA certificate file that signs the broker's certificate; without it the system CA store is used.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>PEM client certificate (with <see cref="TlsKeyFile"/>) for certificate authentication.</summary>
    public string? TlsCertFile { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertFile"/>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>Skip the broker host-name check. Refused unless set explicitly together with <see cref="Tls"/>; logged as a warning.</summary>
    public bool TlsInsecure { get; set; }

    /// <summary>First reconnect delay; doubles per failed attempt up to <see cref="ReconnectMaxDelay"/>, with jitter.</summary>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest reconnect delay.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Directory for the durable outbox (<c>mqtt-outbox.dat</c>).</summary>
    public string StateDirectory { get; set; } = "/var/lib/appliance";

    /// <summary>
    /// Upper bound of queued (undelivered) outbox bytes; the oldest records are evicted (counted, reported) beyond it.
    /// 16 MiB holds about 40,000 session reports of ~400 bytes: a day of a busy household (a few hundred sessions of
    /// 5 to 10 reports each) many times over, while costing at most that much memory on a 512 MB Pi.
    /// </summary>
    public long OutboxMaxBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>When appended outbox records are fsync'd.</summary>
    public OutboxFsyncPolicy OutboxFsync { get; set; } = OutboxFsyncPolicy.Batch;

    /// <summary>The bound for <see cref="OutboxFsyncPolicy.Batch"/>: records are on disk at most this long after they were queued.</summary>
    public TimeSpan OutboxFsyncInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Time to live of device actions (intents, intent publish actions) and conversation requests, in seconds: sent with
    /// this MQTT 5 message expiry and dropped by the outbox (reported <c>expired</c>) when not delivered in time, so a
    /// light never switches on minutes after it was asked.
    /// </summary>
    public int ActionTtlSeconds { get; set; } = 5;

    /// <summary>Publish partial (non-final) transcripts as session events too (off: finals only, as Home Assistant's logbook would fill up).</summary>
    public bool PartialTranscripts { get; set; }

    /// <summary>Outbox records in flight (published, not yet acknowledged) at a time.</summary>
    public int OutboxMaxInflight { get; set; } = 32;

    /// <summary>Largest accepted command payload in bytes (all commands but <c>intercom/play</c>).</summary>
    public int MaxCommandBytes { get; set; } = 16 * 1024;

    /// <summary>Longest accepted <c>say</c> text in characters.</summary>
    public int MaxSayLength { get; set; } = 1000;

    /// <summary>Largest accepted intercom WAV in bytes (2 MiB is about 65 s of 16 kHz 16-bit mono).</summary>
    public int MaxIntercomBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Devices the push-button intercom sends to until an <c>intercom/send</c> command changes them.</summary>
    public IList<string> IntercomTargets { get; set; } = [];

    /// <summary>Publish Home Assistant device discovery.</summary>
    public bool HomeAssistantDiscovery { get; set; } = true;

    /// <summary>Home Assistant discovery prefix.</summary>
    public string DiscoveryPrefix { get; set; } = "homeassistant";

    /// <summary>Also speak the Rhasspy Hermes topics (hermes/asr/textCaptured, hermes/tts/say, hermes/dialogueManager/*).</summary>
    public bool Hermes { get; set; }

    /// <summary>Hermes siteId; defaults to the device id.</summary>
    public string? HermesSiteId { get; set; }

    /// <summary>The device id in use: <see cref="DeviceId"/> or the sanitized host name.</summary>
    public string EffectiveDeviceId => string.IsNullOrWhiteSpace(DeviceId) ? SanitizeId(Environment.MachineName) : DeviceId;

    /// <summary>The client id in use.</summary>
    public string EffectiveClientId => string.IsNullOrWhiteSpace(ClientId) ? "appliance-" + EffectiveDeviceId : ClientId;

    /// <summary>The base topic <c>&lt;TopicPrefix&gt;/&lt;DeviceId&gt;</c>.</summary>
    public string BaseTopic => TopicPrefix + "/" + EffectiveDeviceId;

    /// <summary>The Hermes siteId in use.</summary>
    public string EffectiveSiteId => string.IsNullOrWhiteSpace(HermesSiteId) ? EffectiveDeviceId : HermesSiteId;

    /// <summary>True for MQTT 5.</summary>
    public bool IsMqtt5 => ProtocolVersion == "5";

    /// <summary>Returns every problem with these options (empty when valid). Each message names key, value and what is allowed.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Bad(string key, object? value, string allowed) =>
            errors.Add($"{SectionName}:{key} = '{value}' is not valid: {allowed}.");

        if (string.IsNullOrWhiteSpace(Host) || Host.Contains(' ', StringComparison.Ordinal))
        {
            Bad(nameof(Host), Host, "set a broker host name or IP address");
        }

        if (Port is < 1 or > 65535)
        {
            Bad(nameof(Port), Port, "allowed 1..65535 (1883 plain, 8883 TLS)");
        }

        if (ProtocolVersion is not ("5" or "3.1.1"))
        {
            Bad(nameof(ProtocolVersion), ProtocolVersion, "allowed \"5\" or \"3.1.1\"");
        }

        if (!IdPattern().IsMatch(EffectiveDeviceId))
        {
            Bad(nameof(DeviceId), EffectiveDeviceId, "use 1-64 letters, digits, '_' or '-' (it becomes a topic level)");
        }

        if (ClientId is not null && (ClientId.Length is 0 or > 65535))
        {
            Bad(nameof(ClientId), ClientId, "use 1..65535 characters or leave it unset");
        }

        if (!PrefixPattern().IsMatch(TopicPrefix))
        {
            Bad(nameof(TopicPrefix), TopicPrefix, "use topic levels of letters, digits, '_' or '-' separated by '/', without '+', '#' or a leading/trailing '/'");
        }

        if (!PrefixPattern().IsMatch(DiscoveryPrefix))
        {
            Bad(nameof(DiscoveryPrefix), DiscoveryPrefix, "use topic levels without '+', '#' or a leading/trailing '/' (Home Assistant's default is homeassistant)");
        }

        if (KeepAliveSeconds is < 5 or > 3600)
        {
            Bad(nameof(KeepAliveSeconds), KeepAliveSeconds, "allowed 5..3600 seconds");
        }

        if (PasswordFile is not null && PasswordEnvironmentVariable is not null)
        {
            Bad(nameof(PasswordEnvironmentVariable), PasswordEnvironmentVariable, $"set either {nameof(PasswordFile)} or {nameof(PasswordEnvironmentVariable)}, not both");
        }

        if ((PasswordFile is not null || PasswordEnvironmentVariable is not null) && string.IsNullOrEmpty(Username))
        {
            Bad(nameof(Username), Username, "a password is configured, so set the user name it belongs to");
        }

        if (PasswordFile is not null && !File.Exists(PasswordFile))
        {
            Bad(nameof(PasswordFile), PasswordFile, "the file does not exist; create it (chmod 600) with the password on its first line");
        }

        if (PasswordEnvironmentVariable is not null && Environment.GetEnvironmentVariable(PasswordEnvironmentVariable) is null)
        {
            Bad(nameof(PasswordEnvironmentVariable), PasswordEnvironmentVariable, "that environment variable is not set for this process");
        }

        if (!Tls && (TlsCaFile ?? TlsCertFile ?? TlsKeyFile) is not null)
        {
            Bad(nameof(Tls), Tls, "TLS files are configured, so set Tls to true (or remove the TlsCaFile/TlsCertFile/TlsKeyFile keys)");
        }

        if (TlsInsecure && !Tls)
        {
            Bad(nameof(TlsInsecure), TlsInsecure, "only meaningful with Tls = true; remove it");
        }

        foreach (var (key, file) in new[] { (nameof(TlsCaFile), TlsCaFile), (nameof(TlsCertFile), TlsCertFile), (nameof(TlsKeyFile), TlsKeyFile) })
        {
            if (file is not null && !File.Exists(file))
            {
                Bad(key, file, "the file does not exist; give the path of a PEM file");
            }
        }

        if ((TlsCertFile is null) != (TlsKeyFile is null))
        {
            Bad(TlsCertFile is null ? nameof(TlsCertFile) : nameof(TlsKeyFile), TlsCertFile ?? TlsKeyFile, "a client certificate needs both TlsCertFile and TlsKeyFile");
        }

        if (ReconnectInitialDelay < TimeSpan.FromMilliseconds(10) || ReconnectInitialDelay > TimeSpan.FromMinutes(1))
        {
            Bad(nameof(ReconnectInitialDelay), ReconnectInitialDelay, "allowed 00:00:00.010 to 00:01:00");
        }

        if (ReconnectMaxDelay < ReconnectInitialDelay || ReconnectMaxDelay > TimeSpan.FromHours(1))
        {
            Bad(nameof(ReconnectMaxDelay), ReconnectMaxDelay, $"allowed {ReconnectInitialDelay} (ReconnectInitialDelay) to 01:00:00");
        }

        if (string.IsNullOrWhiteSpace(StateDirectory))
        {
            Bad(nameof(StateDirectory), StateDirectory, "set a writable directory for the outbox, e.g. /var/lib/appliance");
        }

        if (OutboxMaxBytes is < 64 * 1024 or > 1L << 30)
        {
            Bad(nameof(OutboxMaxBytes), OutboxMaxBytes, "allowed 65536..1073741824 bytes");
        }

        if (OutboxFsyncInterval < TimeSpan.FromMilliseconds(1) || OutboxFsyncInterval > TimeSpan.FromSeconds(10))
        {
            Bad("OutboxFsyncIntervalMs", OutboxFsyncInterval.TotalMilliseconds, "allowed 1..10000 milliseconds");
        }

        if (ActionTtlSeconds is < 1 or > 3600)
        {
            Bad(nameof(ActionTtlSeconds), ActionTtlSeconds, "allowed 1..3600 seconds");
        }

        if (OutboxMaxInflight is < 1 or > 1000)
        {
            Bad(nameof(OutboxMaxInflight), OutboxMaxInflight, "allowed 1..1000");
        }

        if (MaxCommandBytes is < 256 or > 1024 * 1024)
        {
            Bad(nameof(MaxCommandBytes), MaxCommandBytes, "allowed 256..1048576 bytes");
        }

        if (MaxSayLength is < 1 or > 100_000)
        {
            Bad(nameof(MaxSayLength), MaxSayLength, "allowed 1..100000 characters");
        }

        if (MaxIntercomBytes is < 1024 or > 64 * 1024 * 1024)
        {
            Bad(nameof(MaxIntercomBytes), MaxIntercomBytes, "allowed 1024..67108864 bytes");
        }

        foreach (var target in IntercomTargets)
        {
            if (!IdPattern().IsMatch(target))
            {
                Bad(nameof(IntercomTargets), target, "each target is a device id: 1-64 letters, digits, '_' or '-'");
            }
        }

        if (HermesSiteId is not null && !IdPattern().IsMatch(HermesSiteId))
        {
            Bad(nameof(HermesSiteId), HermesSiteId, "use 1-64 letters, digits, '_' or '-'");
        }

        return errors;
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem, if any.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(SectionName, typeof(MqttOptions), errors);
        }
    }

    /// <summary>Reads the password from <see cref="PasswordFile"/> or <see cref="PasswordEnvironmentVariable"/> (never logged).</summary>
    public string? ReadPassword()
    {
        if (PasswordFile is not null)
        {
            try
            {
                using var reader = new StreamReader(PasswordFile);
                return reader.ReadLine() ?? string.Empty;
            }
            catch (IOException ex)
            {
                throw new InvalidOperationException($"{SectionName}:{nameof(PasswordFile)} = '{PasswordFile}' cannot be read: {ex.Message}. Fix the path or its permissions.", ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new InvalidOperationException($"{SectionName}:{nameof(PasswordFile)} = '{PasswordFile}' cannot be read: {ex.Message}. Make it readable by the appliance user.", ex);
            }
        }

        return PasswordEnvironmentVariable is null ? null : Environment.GetEnvironmentVariable(PasswordEnvironmentVariable);
    }

    /// <summary>True when <paramref name="id"/> can be a device id / topic level.</summary>
    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>Turns a host name into a valid device id.</summary>
    public static string SanitizeId(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? char.ToLowerInvariant(c) : '_').Take(64).ToArray();
        return chars.Length == 0 ? "appliance" : new string(chars);
    }

    internal MqttConnectionSettings ToConnectionSettings(MqttWill? will) => new()
    {
        Host = Host,
        Port = Port,
        ClientId = EffectiveClientId,
        Username = string.IsNullOrEmpty(Username) ? null : Username,
        Password = ReadPassword(),
        Mqtt5 = IsMqtt5,
        KeepAliveSeconds = KeepAliveSeconds,
        CleanSession = CleanSession,
        SessionExpirySeconds = SessionExpirySeconds,
        Tls = Tls,
        TlsCaFile = TlsCaFile,
        TlsCertFile = TlsCertFile,
        TlsKeyFile = TlsKeyFile,
        TlsInsecure = TlsInsecure,
        Will = will,
        MaximumPacketSize = (uint)Math.Max(MaxIntercomBytes, MaxCommandBytes) + 64 * 1024,
        ReconnectInitialDelay = ReconnectInitialDelay,
        ReconnectMaxDelay = ReconnectMaxDelay,
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")]
    private static partial Regex PrefixPattern();
}
