using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace VoiceAppliance.Mqtt;

/// <summary>
/// The MQTT connection, on MQTTnet. One background task connects and keeps reconnecting until disposed, with capped
/// exponential backoff and jitter; an outage produces one warning when it starts and one information line when it
/// ends, never one line per attempt. Every (re)connect subscribes to <see cref="AddSubscription"/>'s filters (waiting
/// for the SUBACK) before <see cref="Connected"/> is raised. MQTT 5 by default, falling back to 3.1.1 when the broker
/// answers "unsupported protocol version". Unlike libmosquitto, MQTTnet keeps no queue of unacknowledged messages
/// across a reconnect: a publish that was in flight when the link dropped completes as <see cref="PublishStatus.NotSent"/>
/// and the caller (the durable outbox) sends it again, in its own order.
/// </summary>
/// <remarks>Events are raised on MQTTnet's or this client's background tasks and must return quickly.</remarks>
internal sealed partial class MqttNetClient : IDisposable
{
    private readonly MqttConnectionSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Filter, int Qos)> _subscriptions = [];
    private readonly X509Certificate2Collection? _trustedCas;
    private readonly X509Certificate2Collection? _clientCertificates;
    private Task? _loop;
    private TaskCompletionSource<string> _lost = NewLostSignal();
    private volatile bool _connected;
    private volatile bool _mqtt5;
    private volatile string? _tlsFailure;
    private bool _fallbackLogged;
    private bool _disposed;
    private int _connects;

    // Outage bookkeeping (loop task only).
    private bool _inOutage;
    private long _outageStart;
    private int _attempt;

    /// <summary>Creates the client (nothing connects until <see cref="Start"/>).</summary>
    /// <exception cref="MqttException">A TLS file cannot be read (the message names it).</exception>
    public MqttNetClient(MqttConnectionSettings settings, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        _settings = settings;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _mqtt5 = settings.Mqtt5;
        if (settings.Tls)
        {
            _trustedCas = settings.TlsCaFile is null ? null : LoadCas(settings.TlsCaFile);
            _clientCertificates = settings.TlsCertFile is null ? null : LoadClientCertificate(settings.TlsCertFile, settings.TlsKeyFile);
        }

        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>Raised on a background task when the broker accepted the connection and the subscriptions are in place.</summary>
    public event Action? Connected;

    /// <summary>Raised on a background task when the connection is lost; the argument is the reason.</summary>
    public event Action<string>? Disconnected;

    /// <summary>Raised for each message received: topic, payload (a copy), retain flag.</summary>
    public event Action<string, byte[], bool>? MessageReceived;

    /// <summary>True between an accepted CONNACK (and its subscriptions) and the loss of the connection.</summary>
    public bool IsConnected => _connected && _client.IsConnected;

    /// <summary>True when the current (or last) connection speaks MQTT 5 (PUBACK reason codes, message expiry).</summary>
    public bool IsMqtt5 => _mqtt5;

    /// <summary>The MQTTnet version in use, e.g. "5.2.0.1603".</summary>
    public static string LibraryVersion { get; } =
        typeof(MqttClientFactory).Assembly.GetName().Version?.ToString() ?? "?";

    /// <summary>How many times the broker has accepted a connection from this client.</summary>
    public int ConnectCount => Volatile.Read(ref _connects);

    /// <summary>The settings (the password is excluded from <see cref="object.ToString"/>).</summary>
    public MqttConnectionSettings Settings => _settings;

    /// <summary>Adds a topic filter subscribed on every (re)connect. Call before <see cref="Start"/>.</summary>
    public void AddSubscription(string topicFilter, int qos)
    {
        lock (_subscriptions)
        {
            _subscriptions.Add((topicFilter, qos));
        }
    }

    /// <summary>Starts the background task, which connects and keeps reconnecting until disposed.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _loop ??= Task.Run(RunAsync);
    }

    /// <summary>
    /// Publishes and completes when the message is handed over (QoS 0) or acknowledged (QoS 1). Never throws for the
    /// connection's sake: a refusal or a lost link is in the outcome. <paramref name="expirySeconds"/> (MQTT 5 only;
    /// 0: none) tells the broker to drop the message if it cannot deliver it in time.
    /// </summary>
    public async Task<PublishOutcome> PublishAsync(string topic, ReadOnlyMemory<byte> payload, int qos, bool retain, uint expirySeconds = 0)
    {
        if (_disposed || !_client.IsConnected)
        {
            return PublishOutcome.NotSent("not connected");
        }

        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayloadSegment(payload)
            .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)qos)
            .WithRetainFlag(retain);
        if (expirySeconds > 0 && _mqtt5)
        {
            builder.WithMessageExpiryInterval(expirySeconds);
        }

        try
        {
            var result = await _client.PublishAsync(builder.Build(), _stop.Token).ConfigureAwait(false);
            return result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers
                ? PublishOutcome.Delivered
                : new PublishOutcome(PublishStatus.Refused, (int)result.ReasonCode, result.ReasonString is { Length: > 0 } text ? $"{result.ReasonCode}: {text}" : result.ReasonCode.ToString());
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or SocketException or IOException)
        {
            return PublishOutcome.NotSent(ex.Message);
        }
    }

    /// <summary>Publishes and throws unless it was delivered within <paramref name="timeout"/>.</summary>
    /// <exception cref="MqttException">Not connected, refused, or the link dropped.</exception>
    /// <exception cref="TimeoutException">No acknowledgement within <paramref name="timeout"/>.</exception>
    public async Task PublishAndWaitAsync(string topic, ReadOnlyMemory<byte> payload, int qos, bool retain, TimeSpan timeout)
    {
        var outcome = await PublishAsync(topic, payload, qos, retain).WaitAsync(timeout, _time).ConfigureAwait(false);
        if (outcome.Status != PublishStatus.Delivered)
        {
            throw new MqttException($"MQTT publish to '{topic}' {outcome.Describe()}.");
        }
    }

    /// <summary>Sends DISCONNECT (so the broker does not publish the last will) and stops reconnecting.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stop.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop logs its own failure.
        }

        if (_client.IsConnected)
        {
            try
            {
                _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, CancellationToken.None)
                    .Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
                // Gone already.
            }
        }

        _connected = false;
        _client.Dispose();
        _stop.Dispose();
    }

    private static TaskCompletionSource<string> NewLostSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task RunAsync()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var failure = await ConnectOnceAsync(token).ConfigureAwait(false);
                if (failure is not null)
                {
                    BeginOrContinueOutage(failure);
                    await BackoffAsync(token).ConfigureAwait(false);
                    continue;
                }

                var reason = await _lost.Task.WaitAsync(token).ConfigureAwait(false);
                _connected = false;
                BeginOrContinueOutage(reason);
                RaiseSafely(() => Disconnected?.Invoke(reason));
                await BackoffAsync(token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // An escaped exception would leave MQTT down without a word; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _connected = false;
            Log.LoopFailed(_logger, ex);
        }
    }

    /// <summary>One connect attempt with its subscriptions; null on success, else why it failed.</summary>
    private async Task<string?> ConnectOnceAsync(CancellationToken token)
    {
        while (true)
        {
            _lost = NewLostSignal();
            _tlsFailure = null;
            MqttClientConnectResult result;
            try
            {
                result = await _client.ConnectAsync(BuildOptions(_mqtt5), token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // Every connect failure is an outage to retry, described once in the log.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (_mqtt5 && IsUnsupportedProtocol(ex))
                {
                    FallBackTo311();
                    continue; // no backoff: the broker answered, it only wants the older protocol
                }

                return DescribeConnectFailure(ex);
            }

            if (result.ResultCode == MqttClientConnectResultCode.UnsupportedProtocolVersion && _mqtt5)
            {
                FallBackTo311();
                continue;
            }

            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return $"the broker refused the connection: {result.ResultCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : " (" + result.ReasonString + ")")}"
                    + (result.ResultCode is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized
                        ? "; check Mqtt:Username and the password (Mqtt:PasswordFile or Mqtt:PasswordEnvironmentVariable)" : "");
            }

            return await SubscribeAndAnnounceAsync(token).ConfigureAwait(false);
        }
    }

    private async Task<string?> SubscribeAndAnnounceAsync(CancellationToken token)
    {
        try
        {
            var subscribe = new MqttClientSubscribeOptionsBuilder();
            var any = false;
            lock (_subscriptions)
            {
                foreach (var (filter, qos) in _subscriptions)
                {
                    subscribe.WithTopicFilter(filter, (MqttQualityOfServiceLevel)qos);
                    any = true;
                }
            }

            if (any)
            {
                await _client.SubscribeAsync(subscribe.Build(), token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A link lost while subscribing is one more outage.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return "the connection dropped while subscribing: " + ex.Message;
        }

        _connected = true;
        Interlocked.Increment(ref _connects);
        if (_inOutage)
        {
            var down = _time.GetElapsedTime(_outageStart);
            _inOutage = false;
            if (_connects > 1)
            {
                Log.Reconnected(_logger, _settings.Host, _settings.Port, down.TotalSeconds, _attempt);
            }
            else
            {
                Log.ConnectedAfterOutage(_logger, _settings.Host, _settings.Port, down.TotalSeconds, _attempt);
            }
        }
        else if (_connects == 1)
        {
            Log.ConnectedFirst(_logger, _settings.Host, _settings.Port, _settings.ClientId, _mqtt5 ? "5" : "3.1.1");
        }

        _attempt = 0;
        RaiseSafely(() => Connected?.Invoke());
        return null;
    }

    private void FallBackTo311()
    {
        _mqtt5 = false;
        if (!_fallbackLogged)
        {
            _fallbackLogged = true;
            Log.FallingBackTo311(_logger, _settings.Host, _settings.Port);
        }
    }

    private static bool IsUnsupportedProtocol(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e.Message.Contains("UnsupportedProtocolVersion", StringComparison.Ordinal)
                || e.Message.Contains("unacceptable protocol version", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private string DescribeConnectFailure(Exception ex)
    {
        if (_tlsFailure is { } tls)
        {
            return "TLS: " + tls;
        }

        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException socket:
                    return $"{socket.SocketErrorCode}: {socket.Message}";
                case AuthenticationException auth:
                    return $"TLS handshake failed: {auth.Message} (is {_settings.Host}:{_settings.Port} a TLS listener? Mqtt:Tls, Mqtt:Port)";
                case TimeoutException or OperationCanceledException:
                    return "no answer from the broker within 10 s";
            }
        }

        return ex.Message;
    }

    private MqttClientOptions BuildOptions(bool mqtt5)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_settings.Host, _settings.Port)
            .WithClientId(_settings.ClientId)
            .WithProtocolVersion(mqtt5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_settings.KeepAliveSeconds))
            .WithCleanStart(_settings.CleanSession)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (mqtt5 && !_settings.CleanSession)
        {
            builder.WithSessionExpiryInterval(_settings.SessionExpirySeconds);
        }

        if (mqtt5 && _settings.MaximumPacketSize > 0)
        {
            builder.WithMaximumPacketSize(_settings.MaximumPacketSize);
        }

        if (_settings.Will is { } will)
        {
            builder.WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload)
                .WithWillQualityOfServiceLevel((MqttQualityOfServiceLevel)will.Qos)
                .WithWillRetain(will.Retain);
        }

        if (_settings.Username is not null)
        {
            builder.WithCredentials(_settings.Username, _settings.Password);
        }

        if (_settings.Tls)
        {
            var tls = new MqttClientTlsOptionsBuilder()
                .UseTls()
                .WithTargetHost(_settings.Host)
                .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithCertificateValidationHandler(ValidateServerCertificate);
            if (_clientCertificates is not null)
            {
                tls.WithClientCertificates(_clientCertificates);
            }

            builder.WithTlsOptions(tls.Build());
        }

        return builder.Build();
    }

    /// <summary>Checks the broker's certificate and remembers why it was refused, in words, for the outage log line.</summary>
    private bool ValidateServerCertificate(MqttClientCertificateValidationEventArgs args)
    {
        if (args.Certificate is null)
        {
            _tlsFailure = "the broker sent no certificate";
            return false;
        }

        if (args.SslPolicyErrors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) && !_settings.TlsInsecure)
        {
            _tlsFailure = $"host name mismatch: the broker's certificate ({args.Certificate.Subject}) is not for '{_settings.Host}'; connect by a name the certificate lists (Mqtt:Host) or, on a trusted network only, set Mqtt:TlsInsecure";
            return false;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(args.Certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (_trustedCas is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_trustedCas);
        }

        if (args.Chain is not null)
        {
            foreach (var element in args.Chain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(certificate))
        {
            return true;
        }

        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        var ca = _settings.TlsCaFile is null ? "the system's CA certificates" : $"Mqtt:TlsCaFile '{_settings.TlsCaFile}'";
        _tlsFailure = flags.HasFlag(X509ChainStatusFlags.NotTimeValid)
            ? $"the broker's certificate has expired or is not yet valid (valid {certificate.NotBefore:u} to {certificate.NotAfter:u}; check the clock and renew the certificate)"
            : flags.HasFlag(X509ChainStatusFlags.UntrustedRoot) || flags.HasFlag(X509ChainStatusFlags.PartialChain)
                ? $"unknown CA: the broker's certificate (issuer {certificate.Issuer}) is not signed by {ca}"
                : $"the broker's certificate was refused: {string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))}";
        return false;
    }

    private static X509Certificate2Collection LoadCas(string path)
    {
        try
        {
            var cas = new X509Certificate2Collection();
            cas.ImportFromPemFile(path);
            if (cas.Count == 0)
            {
                throw new MqttException($"Mqtt:TlsCaFile '{path}' holds no PEM certificate; point it at the CA certificate that signed the broker's.");
            }

            return cas;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new MqttException($"Mqtt:TlsCaFile '{path}' cannot be read as PEM certificates: {ex.Message}", ex);
        }
    }

    private static X509Certificate2Collection LoadClientCertificate(string certFile, string? keyFile)
    {
        try
        {
            return [X509Certificate2.CreateFromPemFile(certFile, keyFile)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new MqttException($"Mqtt:TlsCertFile '{certFile}' / Mqtt:TlsKeyFile '{keyFile}' cannot be loaded as a PEM certificate and key: {ex.Message}", ex);
        }
    }

    private void BeginOrContinueOutage(string reason)
    {
        if (!_inOutage)
        {
            _inOutage = true;
            _outageStart = _time.GetTimestamp();
            _attempt = 0;
            Log.BrokerUnreachable(_logger, _settings.Host, _settings.Port, reason, _settings.ReconnectMaxDelay.TotalSeconds);
        }
    }

    private Task BackoffAsync(CancellationToken token)
    {
        var delay = ReconnectBackoff.Delay(_attempt++, _settings.ReconnectInitialDelay, _settings.ReconnectMaxDelay, Random.Shared.NextDouble());
        return Task.Delay(delay, _time, token);
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected)
        {
            _connected = false;
            var reason = e.Reason == MqttClientDisconnectReason.NormalDisconnection && e.Exception is not null
                ? e.Exception.Message
                : $"{e.Reason}{(string.IsNullOrEmpty(e.ReasonString) ? "" : " (" + e.ReasonString + ")")}{(e.Exception is null ? "" : ": " + e.Exception.Message)}";
            _lost.TrySetResult(reason);
        }

        return Task.CompletedTask;
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        var payload = message.Payload.IsEmpty ? [] : message.Payload.ToArray();
        RaiseSafely(() => MessageReceived?.Invoke(message.Topic, payload, message.Retain));
        return Task.CompletedTask;
    }

    private void RaiseSafely(Action raise)
    {
        try
        {
            raise();
        }
#pragma warning disable CA1031 // A handler's failure is logged and the connection goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.HandlerFailed(_logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "MQTT connected to {Host}:{Port} as '{ClientId}' (MQTT {Version})")]
        public static partial void ConnectedFirst(ILogger logger, string host, int port, string clientId, string version);

        [LoggerMessage(2, LogLevel.Warning, "MQTT broker {Host}:{Port} unreachable: {Reason}. Reconnecting in the background (backoff up to {MaxSeconds} s); nothing more is logged until it is back")]
        public static partial void BrokerUnreachable(ILogger logger, string host, int port, string reason, double maxSeconds);

        [LoggerMessage(3, LogLevel.Information, "MQTT reconnected to {Host}:{Port} after {Seconds:F1} s down ({Attempts} attempts)")]
        public static partial void Reconnected(ILogger logger, string host, int port, double seconds, int attempts);

        [LoggerMessage(4, LogLevel.Information, "MQTT connected to {Host}:{Port} after {Seconds:F1} s of waiting for the broker ({Attempts} attempts)")]
        public static partial void ConnectedAfterOutage(ILogger logger, string host, int port, double seconds, int attempts);

        [LoggerMessage(5, LogLevel.Error, "An MQTT event handler failed; the connection carries on")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);

        [LoggerMessage(7, LogLevel.Error, "The MQTT connection task failed; MQTT stays down until the service restarts")]
        public static partial void LoopFailed(ILogger logger, Exception exception);

        [LoggerMessage(8, LogLevel.Warning, "MQTT broker {Host}:{Port} does not speak MQTT 5; using MQTT 3.1.1 (no PUBACK reason codes: a refused publish cannot be told from a delivered one, and no message expiry)")]
        public static partial void FallingBackTo311(ILogger logger, string host, int port);
    }
}
