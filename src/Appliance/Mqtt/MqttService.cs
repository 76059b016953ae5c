using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Mqtt;

/// <summary>
/// The appliance's MQTT side: publishes availability, state, session/button events, intents and errors under
/// <c>&lt;TopicPrefix&gt;/&lt;DeviceId&gt;</c>, Home Assistant discovery and (optionally) Rhasspy Hermes topics, and turns
/// commands on <c>&lt;base&gt;/cmd/#</c> into calls on <see cref="IMqttCommandHandler"/>. Session reports and intents
/// go through the <see cref="DurableOutbox"/> (QoS 1, delivered once each in order after outages and restarts, ids
/// in the payload for de-duplication). Bad input becomes an error event on <c>&lt;base&gt;/error</c> and a warning, and
/// affects nothing else.
/// </summary>
public sealed partial class MqttService : IHostedService, IAsyncDisposable, IMqttReporter
{
    /// <summary>Messages queued per command topic (<see cref="TopicQueues{T}"/>).</summary>
    private const int CommandQueuePerTopic = 32;

    /// <summary>Key of every command topic the parser does not know (they share one bounded queue).</summary>
    private const string UnknownCommandKey = "(unknown)";
    private const int ErrorReportBurst = 20; // bad-input and command-failure log lines and error messages per window
    private static readonly TimeSpan ErrorReportWindow = TimeSpan.FromMinutes(1);

    private readonly MqttOptions _options;
    private readonly IMqttCommandHandler _handler;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ReportRateLimiter _errorReports;
    private readonly MqttTopics _topics;
    private readonly TopicQueues<Incoming> _incoming;
    private readonly CancellationTokenSource _stopping = new();
    private readonly long _startedAt;
    private readonly object _statusGate = new();
    private ApplianceStatus _status = new();
    private string[] _intercomTargets;
    private MqttNetClient? _client;
    private DurableOutbox? _outbox;
    private Task? _processing;
    private long _badInputs;
    private bool _started;

    /// <summary>Creates the service; nothing connects before <see cref="StartAsync"/>.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem listed).</exception>
    public MqttService(MqttOptions options, IMqttCommandHandler handler, ILogger<MqttService> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(logger);
        options.ThrowIfInvalid();
        _options = options;
        _handler = handler;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _errorReports = new ReportRateLimiter(ErrorReportBurst, ErrorReportWindow, _time);
        _topics = new MqttTopics(options);
        _startedAt = _time.GetTimestamp();
        _intercomTargets = [.. options.IntercomTargets];
        // The network thread must never block; under a flood on one topic that topic's oldest queued messages go
        // (counted per topic), so the newest command survives, and commands on other topics are not pushed out.
        _incoming = new TopicQueues<Incoming>(CommandQueuePerTopic, 2L * Math.Max(options.MaxIntercomBytes, options.MaxCommandBytes));
    }

    /// <summary>The base topic <c>&lt;TopicPrefix&gt;/&lt;DeviceId&gt;</c>.</summary>
    public string BaseTopic => _topics.Base;

    /// <summary>True while the broker connection is up.</summary>
    public bool IsConnected => _client?.IsConnected ?? false;

    /// <summary>How often the broker accepted the connection (1 after the first connect).</summary>
    public int ConnectCount => _client?.ConnectCount ?? 0;

    /// <summary>Outbox counters (pending, delivered, evicted).</summary>
    public OutboxStats OutboxStats => _outbox?.Stats ?? default;

    /// <summary>
    /// Raised (on a pool thread, must return quickly) with a record's sequence number when the broker's PUBACK retires
    /// it from the outbox; for diagnostics (the fault test prints when each report was acknowledged).
    /// </summary>
    internal event Action<long>? OutboxAcknowledged;

    /// <summary>Incoming messages dropped because more than 32 of their topic were waiting (a flood on that topic).</summary>
    public long CommandsDropped => _incoming.Dropped;

    /// <summary><see cref="CommandsDropped"/> per command topic.</summary>
    public IReadOnlyDictionary<string, long> CommandsDroppedByTopic => _incoming.DroppedByKey;

    /// <summary>Bad payloads reported on <c>&lt;base&gt;/error</c> since start.</summary>
    public long BadInputs => Interlocked.Read(ref _badInputs);

    /// <summary>Where <see cref="SendIntercom"/> sends recordings (changed by <c>intercom/send</c>).</summary>
    public IReadOnlyList<string> IntercomTargets => Volatile.Read(ref _intercomTargets);

    /// <summary>Opens the outbox, starts the connection (in the background; an absent broker is retried forever).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_started)
        {
            return Task.CompletedTask;
        }

        _started = true;
        WarnIfPasswordFileIsPublic();
        _outbox = new DurableOutbox(_options.StateDirectory, _options, _logger, _time);
        _outbox.Incident += OnOutboxIncident;
        _outbox.Acknowledged += seq => OutboxAcknowledged?.Invoke(seq);
        var will = new MqttWill(_topics.Availability, "offline"u8.ToArray(), 1, true);
        _client = new MqttNetClient(_options.ToConnectionSettings(will), _logger, _time);
        if (_options.TlsInsecure)
        {
            Log.TlsInsecure(_logger, _options.Host);
        }

        // Subscribed again on every reconnect, before OnConnected runs.
        _client.AddSubscription(_topics.CommandFilter, 1);
        if (_options.HomeAssistantDiscovery)
        {
            foreach (var status in _topics.HomeAssistantStatusTopics)
            {
                _client.AddSubscription(status, 1);
            }
        }

        if (_options.Hermes)
        {
            _client.AddSubscription(MqttTopics.HermesSay, 1);
            _client.AddSubscription(MqttTopics.HermesStartSession, 1);
        }

        _client.Connected += OnConnected;
        _client.Disconnected += _ => _outbox.OnDisconnected();
        _client.MessageReceived += OnMessage;
        _outbox.Attach(new ClientTransport(_client));
        _processing = Task.Run(ProcessIncomingAsync, CancellationToken.None);
        _client.Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Publishes <c>offline</c> and disconnects cleanly. The outbox stays open until <see cref="DisposeAsync"/>, so a
    /// session report produced during shutdown is still queued on disk for the next start.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_processing is not null)
        {
            await _processing.ConfigureAwait(false);
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.PublishAndWaitAsync(_topics.Availability, "offline"u8.ToArray(), 1, true, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttException or TimeoutException)
            {
                Log.OfflineNotSent(_logger, ex.Message);
            }
        }

        var client = _client;
        _client = null;
        client.Dispose();
    }

    /// <summary>Stops (if needed) and closes the outbox. Reports queued between stop and dispose stay on disk for the next start.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _outbox?.Dispose();
        _incoming.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Queues a session event durably for <c>&lt;base&gt;/event/session</c> (QoS 1) and returns its sequence number;
    /// <see cref="SessionEventReport.Id"/>, <see cref="SessionEventReport.DeviceId"/> and a missing timestamp are filled in.
    /// With Hermes on, the matching Hermes message is published too.
    /// </summary>
    public long PublishSessionEvent(SessionEventReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var outbox = _outbox ?? throw new InvalidOperationException("MqttService.StartAsync has not been called.");
        if (report.EventType == SessionEventTypes.Transcript && report.Final == false && !_options.PartialTranscripts)
        {
            return -1; // partial transcripts only when Mqtt:PartialTranscripts is on (each would be a logbook line in Home Assistant)
        }

        var stamped = report with { DeviceId = _topics.DeviceId, Timestamp = report.Timestamp ?? _time.GetUtcNow() };
        var seq = outbox.Enqueue(_topics.SessionEvents, s => JsonSerializer.SerializeToUtf8Bytes(
            stamped with { Id = MessageId(s) }, MqttJsonContext.Default.SessionEventReport));
        if (_options.Hermes)
        {
            PublishHermes(stamped);
        }

        return seq;
    }

    /// <summary>Where <c>&lt;base&gt;/cmd/reply</c> goes (the MQTT conversation workflow); null: replies are refused as bad input.</summary>
    public Func<VoiceAppliance.Workflows.ConversationReply, bool>? ConversationReplies { get; set; }

    /// <summary>
    /// Publishes a conversation request on <c>&lt;base&gt;/conversation/request</c> (QoS 1, not through the outbox: a
    /// question must not be answered after an outage). Returns false when it could not be handed to the broker.
    /// </summary>
    public bool PublishConversationRequest(VoiceAppliance.Workflows.ConversationRequest request) =>
        IsConnected && TryPublish(_topics.ConversationRequest, JsonSerializer.SerializeToUtf8Bytes(request, MqttJsonContext.Default.ConversationRequest), 1, false, (uint)_options.ActionTtlSeconds);

    /// <summary>
    /// Queues an intent for <c>&lt;base&gt;/intent/&lt;name&gt;</c> (QoS 1, a device action: dropped and reported
    /// <c>expired</c> when not delivered within <see cref="MqttOptions.ActionTtlSeconds"/>); returns its sequence number.
    /// </summary>
    public long PublishIntent(IntentReport intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var outbox = _outbox ?? throw new InvalidOperationException("MqttService.StartAsync has not been called.");
        var stamped = intent with { DeviceId = _topics.DeviceId, Timestamp = intent.Timestamp ?? _time.GetUtcNow() };
        return outbox.Enqueue(_topics.Intent(intent.Name), s => JsonSerializer.SerializeToUtf8Bytes(
            stamped with { Id = MessageId(s) }, MqttJsonContext.Default.IntentReport), ActionTtl);
    }

    /// <summary>
    /// Queues any message (QoS 1, not retained) on an absolute <paramref name="topic"/>: the intents' publish actions,
    /// device actions with <see cref="MqttOptions.ActionTtlSeconds"/> to live. Returns its sequence number.
    /// </summary>
    public long PublishMessage(string topic, byte[] payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(payload);
        var outbox = _outbox ?? throw new InvalidOperationException("MqttService.StartAsync has not been called.");
        return outbox.Enqueue(topic, _ => payload, ActionTtl);
    }

    /// <summary>Queues a button event durably for <c>&lt;base&gt;/event/button</c> (QoS 1, through the outbox, with an <c>id</c>).</summary>
    public void PublishButtonEvent(ButtonEventReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var outbox = _outbox ?? throw new InvalidOperationException("MqttService.StartAsync has not been called.");
        var stamped = report with { DeviceId = _topics.DeviceId, Timestamp = report.Timestamp ?? _time.GetUtcNow() };
        outbox.Enqueue(_topics.ButtonEvents, s => JsonSerializer.SerializeToUtf8Bytes(
            stamped with { Id = MessageId(s) }, MqttJsonContext.Default.ButtonEventReport));
    }

    private TimeSpan ActionTtl => TimeSpan.FromSeconds(_options.ActionTtlSeconds);

    private void OnOutboxIncident(OutboxIncident incident)
    {
        if (incident.Kind == "refused")
        {
            Log.Refused(_logger, incident.Seq, incident.Topic, incident.Reason);
        }

        // The event and the state's counters; the outbox logs evictions and expiries itself.
        var message = new ErrorMessage(incident.Kind, MqttCommandParser.Truncate(incident.Topic), incident.Reason, 0, _topics.DeviceId, _time.GetUtcNow());
        TryPublish(_topics.Error, JsonSerializer.SerializeToUtf8Bytes(message, MqttJsonContext.Default.ErrorMessage), 0, false);
        PublishState();
    }

    private void WarnIfPasswordFileIsPublic()
    {
        if (_options.PasswordFile is { } file && !OperatingSystem.IsWindows() && File.Exists(file)
            && (File.GetUnixFileMode(file) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            Log.PasswordFileReadable(_logger, file);
        }
    }

    /// <summary>Remembers the state and publishes it retained on <c>&lt;base&gt;/state</c> (again after every reconnect).</summary>
    public void PublishStatus(ApplianceStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        lock (_statusGate)
        {
            _status = status;
        }

        PublishState();
    }

    /// <summary>
    /// Sends an intercom recording (WAV bytes) to every device in <see cref="IntercomTargets"/> on
    /// <c>&lt;prefix&gt;/&lt;target&gt;/cmd/intercom/play/&lt;this device&gt;</c> (QoS 1). Returns how many targets it was sent to.
    /// </summary>
    /// <exception cref="ArgumentException">The recording is larger than <see cref="MqttOptions.MaxIntercomBytes"/>.</exception>
    public int SendIntercom(ReadOnlySpan<byte> wav)
    {
        if (wav.Length > _options.MaxIntercomBytes)
        {
            throw new ArgumentException($"The intercom recording of {wav.Length} bytes exceeds Mqtt:MaxIntercomBytes ({_options.MaxIntercomBytes}); record less or raise the limit.", nameof(wav));
        }

        var sent = 0;
        foreach (var target in IntercomTargets)
        {
            if (TryPublish(_topics.IntercomPlayFor(target), wav, 1, false))
            {
                sent++;
            }
        }

        return sent;
    }

    /// <summary>Removes the device from Home Assistant and clears this device's retained topics (for uninstall).</summary>
    public async Task RemoveDiscoveryAsync(TimeSpan timeout)
    {
        var client = _client ?? throw new InvalidOperationException("MqttService.StartAsync has not been called.");
        await client.PublishAndWaitAsync(_topics.Discovery, ReadOnlyMemory<byte>.Empty, 1, true, timeout).ConfigureAwait(false);
        await client.PublishAndWaitAsync(_topics.State, ReadOnlyMemory<byte>.Empty, 1, true, timeout).ConfigureAwait(false);
        await client.PublishAndWaitAsync(_topics.Availability, ReadOnlyMemory<byte>.Empty, 1, true, timeout).ConfigureAwait(false);
    }

    /// <summary>
    /// Clears (empty retained message) what an earlier configuration left retained and this one no longer publishes:
    /// the old device's discovery, state and availability after a device id or prefix change, the discovery after it
    /// was switched off. The ledger in the state directory says what was published; it is updated only once the
    /// broker acknowledged every clearing, so an interrupted cleanup is done again at the next connect.
    /// </summary>
    private async Task ClearStaleRetainedAsync()
    {
        var client = _client;
        if (client is null)
        {
            return;
        }

        var current = _topics.RetainedTopics(_options.HomeAssistantDiscovery);
        try
        {
            var stale = RetainedTopicLedger.Load(_options.StateDirectory).Except(current, StringComparer.Ordinal).ToList();
            foreach (var topic in stale)
            {
                var outcome = await client.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, 1, true).ConfigureAwait(false);
                if (outcome.Status != Mqtt.PublishStatus.Delivered)
                {
                    Log.StaleNotCleared(_logger, topic, outcome.Describe());
                    return;
                }

                Log.StaleCleared(_logger, topic);
            }

            RetainedTopicLedger.Save(_options.StateDirectory, current);
        }
        catch (IOException ex)
        {
            Log.StaleNotCleared(_logger, RetainedTopicLedger.FileName, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            Log.StaleNotCleared(_logger, RetainedTopicLedger.FileName, ex.Message);
        }
    }

    /// <summary>Adds the topics this configuration is about to retain to the ledger (keeping the old ones until cleared).</summary>
    private void RecordRetainedBeforePublishing()
    {
        try
        {
            var current = _topics.RetainedTopics(_options.HomeAssistantDiscovery);
            var recorded = RetainedTopicLedger.Load(_options.StateDirectory);
            if (!current.All(recorded.Contains))
            {
                RetainedTopicLedger.Save(_options.StateDirectory, recorded.Union(current, StringComparer.Ordinal));
            }
        }
        catch (IOException ex)
        {
            Log.StaleNotCleared(_logger, RetainedTopicLedger.FileName, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            Log.StaleNotCleared(_logger, RetainedTopicLedger.FileName, ex.Message);
        }
    }

    private string MessageId(long seq) => _topics.DeviceId + "-" + seq.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void OnConnected()
    {
        // The ledger names what is retained before anything is published, so a daemon stopped at any moment after
        // this connect still knows what to clear after a rename (a stop right after connecting lost it before).
        RecordRetainedBeforePublishing();
        TryPublish(_topics.Availability, "online"u8, 1, true);
        PublishDiscovery();
        PublishState();
        _outbox?.OnConnected();
        _ = ClearStaleRetainedAsync();
    }

    private void PublishDiscovery()
    {
        if (_options.HomeAssistantDiscovery)
        {
            var message = HomeAssistantDiscovery.Build(_options, _topics);
            TryPublish(_topics.Discovery, JsonSerializer.SerializeToUtf8Bytes(message, MqttJsonContext.Default.DiscoveryMessage), 1, true);
        }
    }

    private void PublishState()
    {
        ApplianceStatus status;
        lock (_statusGate)
        {
            status = _status;
        }

        var stats = OutboxStats;
        var versions = new Dictionary<string, string>(status.Versions ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        versions.TryAdd("appliance", AppVersion.Informational);
        versions.TryAdd("mqttnet", MqttNetClient.LibraryVersion);
        var message = new StateMessage(
            status.State,
            status.Muted,
            status.Volume,
            versions,
            Math.Round(_time.GetElapsedTime(_startedAt).TotalSeconds, 1),
            stats.Pending,
            stats.Evicted,
            stats.Delivered,
            _topics.DeviceId,
            _time.GetUtcNow())
        {
            OutboxExpired = stats.Expired,
            OutboxRefused = stats.Refused,
        };
        TryPublish(_topics.State, JsonSerializer.SerializeToUtf8Bytes(message, MqttJsonContext.Default.StateMessage), 1, true);
    }

    private void PublishHermes(SessionEventReport report)
    {
        var site = _options.EffectiveSiteId;
        switch (report.EventType)
        {
            case SessionEventTypes.SessionStarted:
                TryPublish(MqttTopics.HermesSessionStarted, JsonSerializer.SerializeToUtf8Bytes(
                    new HermesSessionStarted(report.SessionId, site, null), MqttJsonContext.Default.HermesSessionStarted), 1, false);
                break;
            case SessionEventTypes.Transcript when report.Final != false && report.Text is not null:
                TryPublish(MqttTopics.HermesTextCaptured, JsonSerializer.SerializeToUtf8Bytes(
                    new HermesTextCaptured(report.Text, 1.0, (report.SpeechMs ?? 0) / 1000.0, site, report.SessionId), MqttJsonContext.Default.HermesTextCaptured), 1, false);
                break;
            case SessionEventTypes.SessionEnded:
                TryPublish(MqttTopics.HermesSessionEnded, JsonSerializer.SerializeToUtf8Bytes(
                    new HermesSessionEnded(report.SessionId, site, new HermesTermination(HermesReason(report.Reason))), MqttJsonContext.Default.HermesSessionEnded), 1, false);
                break;
        }
    }

    internal static string HermesReason(string? reason) => reason switch
    {
        "nominal" or null => "nominal",
        "timeout" or "no_speech" => "timeout",
        "aborted_by_user" => "abortedByUser",
        "intent_not_recognized" => "intentNotRecognized",
        _ => "error",
    };

    /// <summary>
    /// Hands a message to the connection without waiting; false when the connection is down (nothing is queued: the
    /// callers publish state and discovery again on every connect, and durable reports go through the outbox).
    /// A refusal by the broker is logged.
    /// </summary>
    private bool TryPublish(string topic, ReadOnlySpan<byte> payload, int qos, bool retain, uint expirySeconds = 0)
    {
        var client = _client;
        if (client is null || !client.IsConnected)
        {
            return false;
        }

        _ = ObservePublishAsync(client.PublishAsync(topic, payload.ToArray(), qos, retain, expirySeconds), topic);
        return true;
    }

    private async Task ObservePublishAsync(Task<PublishOutcome> publish, string topic)
    {
        var outcome = await publish.ConfigureAwait(false);
        if (outcome.Status == Mqtt.PublishStatus.Refused)
        {
            Log.PublishFailed(_logger, topic, outcome.Describe());
        }
    }

    private void OnMessage(string topic, byte[] payload, bool retain)
    {
        var key = topic;
        if (topic.StartsWith(_topics.CommandPrefix, StringComparison.Ordinal))
        {
            // One queue per known command; everything else under cmd/ shares one, so a stranger's topics stay bounded.
            var name = topic[_topics.CommandPrefix.Length..];
            key = MqttCommandParser.Names.Contains(name) ? name : UnknownCommandKey;
        }

        _ = _incoming.Enqueue(key, new Incoming(topic, payload, retain), payload.Length);
    }

    private async Task ProcessIncomingAsync()
    {
        var token = _stopping.Token;
        try
        {
            while (true)
            {
                var message = await _incoming.DequeueAsync(token).ConfigureAwait(false);
                try
                {
                    Dispatch(message, token);
                }
                catch (BadCommandException ex)
                {
                    ReportError("bad_input", message.Topic, ex.Message, message.Payload.Length);
                }
#pragma warning disable CA1031 // A handler fault must not stop command processing; it is reported on <base>/error.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    ReportError("command_failed", message.Topic, ex.Message, message.Payload.Length);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private void Dispatch(Incoming message, CancellationToken token)
    {
        var topic = message.Topic;
        if (topic.StartsWith(_topics.CommandPrefix, StringComparison.Ordinal))
        {
            if (message.Payload.Length == 0)
            {
                // An empty payload is how MQTT clears a retained message, and the broker passes the clearing on to
                // subscribers: it must not start a session. Commands carry a payload ("PRESS", JSON, text).
                Log.EmptyCommandIgnored(_logger, topic);
                return;
            }

            if (message.Retained)
            {
                // A retained command would replay on every reconnect; refuse it so it is cleared deliberately.
                throw new BadCommandException("commands must not be retained (publish without the retain flag; clear the retained message with an empty retained payload)");
            }

            var command = MqttCommandParser.Parse(topic[_topics.CommandPrefix.Length..], message.Payload, _options);
            Execute(command, topic, message.Payload.Length, token);
        }
        else if (_options.HomeAssistantDiscovery && _topics.HomeAssistantStatusTopics.Contains(topic))
        {
            if (message.Payload.AsSpan().SequenceEqual("online"u8))
            {
                PublishDiscovery();
                PublishState();
            }
        }
        else if (_options.Hermes && topic == MqttTopics.HermesSay)
        {
            var say = DeserializeHermes(message.Payload, MqttJsonContext.Default.HermesSay);
            if (IsForThisSite(say.SiteId))
            {
                var volume = say.Volume is { } v ? (int?)Math.Clamp((int)Math.Round(v * 100), 0, 100) : null;
                var command = MqttCommandParser.ValidateSay(say.Text, null, volume, say.Id, _options);
                var task = _handler.SayAsync(command, token);
                _ = ObserveAsync(task, topic, message.Payload.Length, () => TryPublish(MqttTopics.HermesSayFinished, JsonSerializer.SerializeToUtf8Bytes(
                    new HermesSayFinished(say.Id, _options.EffectiveSiteId), MqttJsonContext.Default.HermesSayFinished), 1, false));
            }
        }
        else if (_options.Hermes && topic == MqttTopics.HermesStartSession)
        {
            var start = DeserializeHermes(message.Payload, MqttJsonContext.Default.HermesStartSession);
            if (IsForThisSite(start.SiteId))
            {
                _ = ObserveAsync(_handler.ListenAsync(token), topic, message.Payload.Length, null);
            }
        }
    }

    private bool IsForThisSite(string? siteId) => siteId is null || siteId == _options.EffectiveSiteId;

    private T DeserializeHermes<T>(byte[] payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        if (payload.Length > _options.MaxCommandBytes)
        {
            throw new BadCommandException($"payload of {payload.Length} bytes is over the {_options.MaxCommandBytes}-byte limit (Mqtt:MaxCommandBytes)");
        }

        try
        {
            return JsonSerializer.Deserialize(payload, info) ?? throw new BadCommandException("Hermes payload is JSON null");
        }
        catch (JsonException ex)
        {
            throw new BadCommandException($"Hermes payload is not valid: {ex.Message}", ex);
        }
    }

    private void Execute(MqttCommand command, string topic, int bytes, CancellationToken token)
    {
        switch (command)
        {
            case MqttCommand.Listen:
                _ = ObserveAsync(_handler.ListenAsync(token), topic, bytes, null);
                break;
            case MqttCommand.Stop:
                _ = ObserveAsync(_handler.StopAsync(token), topic, bytes, null);
                break;
            case MqttCommand.Say say:
                _ = ObserveAsync(_handler.SayAsync(say.Command, token), topic, bytes, null);
                break;
            case MqttCommand.Mute mute:
                _ = ObserveAsync(_handler.SetMutedAsync(mute.Muted, token), topic, bytes, null);
                break;
            case MqttCommand.Volume volume:
                _ = ObserveAsync(_handler.SetVolumeAsync(volume.Value, token), topic, bytes, null);
                break;
            case MqttCommand.IntercomPlay play:
                _ = ObserveAsync(_handler.PlayIntercomAsync(play.Clip, token), topic, bytes, null);
                break;
            case MqttCommand.Reply reply:
                var deliver = ConversationReplies ?? throw new BadCommandException("no conversation is configured to take replies (Workflow:Kind is not mqtt)");
                if (!deliver(reply.Value))
                {
                    throw new BadCommandException($"no conversation waits for reply id '{reply.Value.Id}' (unknown, or it came after Workflow:ReplyTimeoutSeconds)");
                }

                break;
            case MqttCommand.IntercomTargets targets:
                Volatile.Write(ref _intercomTargets, targets.Targets);
                Log.IntercomTargets(_logger, string.Join(", ", targets.Targets));
                break;
        }
    }

    private async Task ObserveAsync(Task task, string topic, int bytes, Action? onSuccess)
    {
        try
        {
            await task.ConfigureAwait(false);
            onSuccess?.Invoke();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Reported on <base>/error; the command loop goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ReportError("command_failed", topic, ex.Message, bytes);
        }
    }

    private void ReportError(string kind, string topic, string reason, int payloadBytes)
    {
        Interlocked.Increment(ref _badInputs);
        if (!_errorReports.TryAcquire(out var suppressed))
        {
            return; // counted (BadInputs), reported with the next one that goes out
        }

        var safeTopic = MqttCommandParser.Truncate(topic);
        if (suppressed > 0)
        {
            Log.BadInputsSuppressed(_logger, suppressed);
        }

        Log.BadInput(_logger, kind, safeTopic, reason);
        var message = new ErrorMessage(kind, safeTopic, reason, payloadBytes, _topics.DeviceId, _time.GetUtcNow()) { Suppressed = suppressed > 0 ? suppressed : null };
        TryPublish(_topics.Error, JsonSerializer.SerializeToUtf8Bytes(message, MqttJsonContext.Default.ErrorMessage), 0, false);
    }

    private readonly record struct Incoming(string Topic, byte[] Payload, bool Retained);

    private sealed class ClientTransport(MqttNetClient client) : IOutboxTransport
    {
        public bool IsConnected => client.IsConnected;

        public Task<PublishOutcome> PublishAsync(string topic, byte[] payload, uint expirySeconds) => client.PublishAsync(topic, payload, 1, false, expirySeconds);
    }

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Warning, "MQTT {Kind} on '{Topic}': {Reason}")]
        public static partial void BadInput(ILogger logger, string kind, string topic, string reason);

        [LoggerMessage(41, LogLevel.Warning, "MQTT TLS host-name verification is OFF for {Host} (Mqtt:TlsInsecure = true); anyone able to intercept the connection can impersonate the broker")]
        public static partial void TlsInsecure(ILogger logger, string host);

        [LoggerMessage(42, LogLevel.Warning, "MQTT publish to '{Topic}' failed: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string topic, string reason);

        [LoggerMessage(43, LogLevel.Information, "Intercom targets set to: {Targets}")]
        public static partial void IntercomTargets(ILogger logger, string targets);

        [LoggerMessage(44, LogLevel.Debug, "MQTT 'offline' was not published before disconnecting: {Reason}")]
        public static partial void OfflineNotSent(ILogger logger, string reason);

        [LoggerMessage(46, LogLevel.Warning, "MQTT: {Count} more bad inputs were not logged or answered (at most 20 a minute are)")]
        public static partial void BadInputsSuppressed(ILogger logger, long count);

        [LoggerMessage(47, LogLevel.Warning, "MQTT broker refused report #{Seq} on '{Topic}' ({Reason}); it is kept in the outbox and sent again after the next reconnect (check the broker's ACL for this client); counted in outbox_refused")]
        public static partial void Refused(ILogger logger, long seq, string topic, string reason);

        [LoggerMessage(48, LogLevel.Warning, "Mqtt:PasswordFile '{Path}' is readable by every user on this machine; restrict it: chmod 600 (or 640 with the appliance's group)")]
        public static partial void PasswordFileReadable(ILogger logger, string path);

        [LoggerMessage(49, LogLevel.Information, "MQTT: cleared the retained '{Topic}' an earlier configuration left (device id, prefix or discovery changed)")]
        public static partial void StaleCleared(ILogger logger, string topic);

        [LoggerMessage(50, LogLevel.Warning, "MQTT: could not clear the retained '{Topic}' an earlier configuration left ({Reason}); tried again at the next connect")]
        public static partial void StaleNotCleared(ILogger logger, string topic, string reason);

        [LoggerMessage(45, LogLevel.Debug, "MQTT empty payload on '{Topic}' ignored (clears a retained message; commands need a payload such as PRESS)")]
        public static partial void EmptyCommandIgnored(ILogger logger, string topic);
    }
}
