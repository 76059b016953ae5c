using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using Microsoft.Extensions.Logging;
using static VoiceAppliance.Interop.Mosquitto;

namespace VoiceAppliance.Mqtt;

/// <summary>
/// A libmosquitto client (the proxy over one <c>struct mosquitto</c>). The network loop runs on a dedicated
/// thread (<c>mosquitto_loop</c> with a 100 ms timeout); publishing is thread-safe (<c>mosquitto_threaded_set</c>)
/// and wakes the loop. Connection loss and refused connects are retried forever with capped exponential backoff
/// and jitter; an outage produces one warning when it starts and one information line when it ends, never one line
/// per attempt. QoS 1/2 messages published while the link is down stay queued inside libmosquitto and are
/// (re)sent after the reconnect, in order.
/// </summary>
/// <remarks>
/// Events are raised on the network thread and must return quickly; they may publish and subscribe.
/// </remarks>
internal sealed partial class MosquittoClient : IDisposable
{
    private static readonly object s_initGate = new();
    private static bool s_initialized;

    private readonly MqttConnectionSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly MosquittoSafeHandle _handle;
    private readonly AutoResetEvent _wake = new(false);
    private readonly object _waitGate = new();
    private readonly Dictionary<int, TaskCompletionSource> _waiters = [];
    private readonly Thread _thread;
    private GCHandle _self;
    private volatile bool _stopRequested;
    private volatile bool _connected;
    private bool _started;
    private bool _loopExited;
    private bool _disposed;
    private int _connects;

    // Outage bookkeeping (network thread only).
    private bool _inOutage;
    private long _outageStart;
    private int _attempt;
    private string? _lastConnackError;

    /// <summary>Creates the client (nothing connects until <see cref="Start"/>).</summary>
    public MosquittoClient(MqttConnectionSettings settings, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        _settings = settings;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        EnsureLibraryInitialized();

        _self = GCHandle.Alloc(this, GCHandleType.Normal);
        var raw = mosquitto_new(settings.ClientId, settings.CleanSession, GCHandle.ToIntPtr(_self));
        if (raw == 0)
        {
            _self.Free();
            throw new MqttException(
                $"mosquitto_new failed for client id '{settings.ClientId}': out of memory, or a persistent session (Mqtt:CleanSession=false) without a client id.");
        }

        _handle = new MosquittoSafeHandle(raw);
        try
        {
            Configure();
        }
        catch
        {
            _handle.Dispose();
            _self.Free();
            throw;
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "mqtt-loop " + settings.ClientId };
    }

    /// <summary>Raised on the network thread when the broker accepted the connection (CONNACK success).</summary>
    public event Action? Connected;

    /// <summary>Raised on the network thread when the connection is lost; the argument is the reason.</summary>
    public event Action<string>? Disconnected;

    /// <summary>Raised on the network thread when a publish completed (QoS 1: PUBACK received); the argument is the mid.</summary>
    public event Action<int>? Published;

    /// <summary>Raised on the network thread for each message received: topic, payload (a copy), retain flag.</summary>
    public event Action<string, byte[], bool>? MessageReceived;

    /// <summary>True between an accepted CONNACK and the loss of the connection.</summary>
    public bool IsConnected => _connected;

    /// <summary>The loaded libmosquitto's version, e.g. "2.0.11".</summary>
    public static string LibraryVersion
    {
        get
        {
            EnsureLibraryInitialized();
            mosquitto_lib_version(out var major, out var minor, out var revision);
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{major}.{minor}.{revision}");
        }
    }

    /// <summary>How many times the broker has accepted a connection from this client.</summary>
    public int ConnectCount => Volatile.Read(ref _connects);

    /// <summary>The settings (the password is excluded from <see cref="object.ToString"/>).</summary>
    public MqttConnectionSettings Settings => _settings;

    /// <summary>Starts the network thread, which connects and keeps reconnecting until disposed.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_started)
        {
            _started = true;
            _thread.Start();
        }
    }

    /// <summary>
    /// Queues a message and returns its message id. QoS 1/2 messages are kept by libmosquitto across a reconnect;
    /// QoS 0 messages published while disconnected fail with <see cref="MqttException"/> (MOSQ_ERR_NO_CONN).
    /// </summary>
    public unsafe int Publish(string topic, ReadOnlySpan<byte> payload, int qos, bool retain)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int rc;
        int mid;
        fixed (byte* p = payload)
        {
            rc = mosquitto_publish(_handle, out mid, topic, payload.Length, p, qos, retain);
        }

        MosquittoError.Check(rc, $"publish to '{topic}'");
        return mid;
    }

    /// <summary>
    /// Publishes and completes when libmosquitto reports the message sent (QoS 0) or acknowledged (QoS 1), or
    /// throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public async Task PublishAndWaitAsync(string topic, ReadOnlyMemory<byte> payload, int qos, bool retain, TimeSpan timeout)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int mid;
        lock (_waitGate)
        {
            mid = Publish(topic, payload.Span, qos, retain);
            _waiters[mid] = tcs;
        }

        try
        {
            await tcs.Task.WaitAsync(timeout, _time).ConfigureAwait(false);
        }
        finally
        {
            lock (_waitGate)
            {
                _waiters.Remove(mid);
            }
        }
    }

    /// <summary>Subscribes (only while connected; call it from <see cref="Connected"/> so it is renewed each time).</summary>
    public void Subscribe(string topicFilter, int qos)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MosquittoError.Check(mosquitto_subscribe(_handle, out _, topicFilter, qos), $"subscribe to '{topicFilter}'");
    }

    /// <summary>Sends DISCONNECT (no last will), stops the network thread and frees the native client.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _stopRequested = true;
        _wake.Set();
        if (_started && !_thread.Join(TimeSpan.FromSeconds(5)))
        {
            Log.LoopDidNotStop(_logger, _settings.ClientId);
        }

        lock (_waitGate)
        {
            _disposed = true;
            if (!_started || _loopExited)
            {
                ReleaseNative();
            }
        }
    }

    private void ReleaseNative()
    {
        _handle.Dispose();
        _self.Free();
        _wake.Dispose();
    }

    private static void EnsureLibraryInitialized()
    {
        lock (s_initGate)
        {
            if (s_initialized)
            {
                return;
            }

            try
            {
                MosquittoError.Check(mosquitto_lib_init(), "lib_init");
            }
            catch (DllNotFoundException ex)
            {
                throw Native.NativeDependency.Missing(Interop.Libraries.MosquittoFile, Interop.Libraries.MosquittoFix, ex);
            }

            s_initialized = true;
        }
    }

    private unsafe void Configure()
    {
        MosquittoError.Check(mosquitto_threaded_set(_handle, true), "threaded_set");
        MosquittoError.Check(
            mosquitto_int_option(_handle, MOSQ_OPT_PROTOCOL_VERSION, _settings.Mqtt5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311),
            "set protocol version");
        MosquittoError.Check(mosquitto_int_option(_handle, MOSQ_OPT_TCP_NODELAY, 1), "set TCP_NODELAY");
        if (_settings.Will is { } will)
        {
            fixed (byte* p = will.Payload)
            {
                MosquittoError.Check(mosquitto_will_set(_handle, will.Topic, will.Payload.Length, p, will.Qos, will.Retain), $"set last will on '{will.Topic}'");
            }
        }

        if (_settings.Username is not null)
        {
            MosquittoError.Check(mosquitto_username_pw_set(_handle, _settings.Username, _settings.Password), "set username/password");
        }

        if (_settings.Tls)
        {
            if (_settings.TlsCaFile is null)
            {
                MosquittoError.Check(mosquitto_int_option(_handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "use the system CA certificates");
            }
            else
            {
                MosquittoError.Check(
                    mosquitto_tls_set(_handle, _settings.TlsCaFile, null, _settings.TlsCertFile, _settings.TlsKeyFile, 0),
                    $"TLS setup (CA '{_settings.TlsCaFile}', certificate '{_settings.TlsCertFile}', key '{_settings.TlsKeyFile}')");
            }

            if (_settings.TlsInsecure)
            {
                MosquittoError.Check(mosquitto_tls_insecure_set(_handle, true), "tls_insecure_set");
            }
        }

        mosquitto_connect_callback_set(_handle, &OnConnectNative);
        mosquitto_disconnect_callback_set(_handle, &OnDisconnectNative);
        mosquitto_publish_callback_set(_handle, &OnPublishNative);
        mosquitto_message_callback_set(_handle, &OnMessageNative);
    }

    private void Run()
    {
        try
        {
            RunLoop();
        }
#pragma warning disable CA1031 // An exception on this thread would end the process; the link is simply down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _connected = false;
            Log.LoopFailed(_logger, ex);
        }
        finally
        {
            lock (_waitGate)
            {
                _loopExited = true;
                if (_disposed)
                {
                    // Dispose gave up waiting for this thread (a blocking TCP connect); the last one out frees the native client.
                    ReleaseNative();
                }
            }
        }
    }

    private void RunLoop()
    {
        var socketUp = false;
        while (!_stopRequested)
        {
            if (!socketUp)
            {
                // connect_bind_v5 every time (not mosquitto_reconnect) so the MQTT 5 CONNECT properties are sent
                // again; it keeps libmosquitto's queue of unacknowledged QoS 1 messages.
                var rc = Connect();
                if (rc != MOSQ_ERR_SUCCESS)
                {
                    BeginOrContinueOutage(MosquittoError.Describe(rc));
                    WaitBackoff();
                    continue;
                }

                socketUp = true;
            }

            var loop = mosquitto_loop(_handle, 100, 1);
            if (loop != MOSQ_ERR_SUCCESS)
            {
                socketUp = false;
                var wasConnected = _connected;
                _connected = false;
                var reason = _lastConnackError ?? MosquittoError.Describe(loop);
                _lastConnackError = null;
                BeginOrContinueOutage(reason);
                if (wasConnected)
                {
                    RaiseSafely(() => Disconnected?.Invoke(reason));
                }

                WaitBackoff();
            }
        }

        if (socketUp)
        {
            mosquitto_disconnect(_handle);
            for (var i = 0; i < 10 && mosquitto_loop(_handle, 50, 1) == MOSQ_ERR_SUCCESS; i++)
            {
            }
        }

        _connected = false;
    }

    private int Connect()
    {
        nint props = 0;
        try
        {
            if (_settings.Mqtt5 && !_settings.CleanSession)
            {
                MosquittoError.Check(
                    mosquitto_property_add_int32(ref props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, _settings.SessionExpirySeconds),
                    "add session-expiry property");
            }

            return mosquitto_connect_bind_v5(_handle, _settings.Host, _settings.Port, _settings.KeepAliveSeconds, null, props);
        }
        finally
        {
            if (props != 0)
            {
                mosquitto_property_free_all(ref props);
            }
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

    private void WaitBackoff()
    {
        var delay = ReconnectBackoff.Delay(_attempt++, _settings.ReconnectInitialDelay, _settings.ReconnectMaxDelay, Random.Shared.NextDouble());
        using var timer = _time.CreateTimer(static s => ((AutoResetEvent)s!).Set(), _wake, delay, Timeout.InfiniteTimeSpan);
        _wake.WaitOne();
    }

    private void HandleConnect(int rc)
    {
        if (rc != 0)
        {
            _lastConnackError = $"the broker refused the connection: {MosquittoError.DescribeConnack(rc, _settings.Mqtt5)}";
            return;
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
            Log.ConnectedFirst(_logger, _settings.Host, _settings.Port, _settings.ClientId);
        }

        _attempt = 0;
        RaiseSafely(() => Connected?.Invoke());
    }

    private void HandlePublish(int mid)
    {
        TaskCompletionSource? waiter;
        lock (_waitGate)
        {
            _waiters.Remove(mid, out waiter);
        }

        waiter?.TrySetResult();
        RaiseSafely(() => Published?.Invoke(mid));
    }

    private unsafe void HandleMessage(Interop.Mosquitto.mosquitto_message* message)
    {
        var topic = Utf8StringMarshaller.ConvertToManaged(message->topic) ?? string.Empty;
        var payload = message->payloadlen > 0 ? new ReadOnlySpan<byte>(message->payload, message->payloadlen).ToArray() : [];
        var retain = message->retain != 0;
        RaiseSafely(() => MessageReceived?.Invoke(topic, payload, retain));
    }

    private void RaiseSafely(Action raise)
    {
        try
        {
            raise();
        }
        catch (Exception ex)
        {
            // An exception must never unwind into native code; the handler's failure is logged and the loop goes on.
            Log.HandlerFailed(_logger, ex);
        }
    }

    private static MosquittoClient? FromUserData(nint obj)
    {
        if (obj == 0)
        {
            return null;
        }

        return GCHandle.FromIntPtr(obj).Target as MosquittoClient;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnConnectNative(nint mosq, nint obj, int rc) => FromUserData(obj)?.HandleConnect(rc);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDisconnectNative(nint mosq, nint obj, int rc)
    {
        // Connection loss is handled where mosquitto_loop returns an error, on the same thread.
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPublishNative(nint mosq, nint obj, int mid) => FromUserData(obj)?.HandlePublish(mid);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void OnMessageNative(nint mosq, nint obj, Interop.Mosquitto.mosquitto_message* message) => FromUserData(obj)?.HandleMessage(message);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "MQTT connected to {Host}:{Port} as '{ClientId}'")]
        public static partial void ConnectedFirst(ILogger logger, string host, int port, string clientId);

        [LoggerMessage(2, LogLevel.Warning, "MQTT broker {Host}:{Port} unreachable: {Reason}. Reconnecting in the background (backoff up to {MaxSeconds} s); nothing more is logged until it is back")]
        public static partial void BrokerUnreachable(ILogger logger, string host, int port, string reason, double maxSeconds);

        [LoggerMessage(3, LogLevel.Information, "MQTT reconnected to {Host}:{Port} after {Seconds:F1} s down ({Attempts} attempts)")]
        public static partial void Reconnected(ILogger logger, string host, int port, double seconds, int attempts);

        [LoggerMessage(4, LogLevel.Information, "MQTT connected to {Host}:{Port} after {Seconds:F1} s of waiting for the broker ({Attempts} attempts)")]
        public static partial void ConnectedAfterOutage(ILogger logger, string host, int port, double seconds, int attempts);

        [LoggerMessage(5, LogLevel.Error, "An MQTT event handler failed; the connection carries on")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);

        [LoggerMessage(7, LogLevel.Error, "The MQTT network thread failed; MQTT stays down until the service restarts")]
        public static partial void LoopFailed(ILogger logger, Exception exception);

        [LoggerMessage(6, LogLevel.Warning, "The MQTT network thread of '{ClientId}' did not stop within 5 s")]
        public static partial void LoopDidNotStop(ILogger logger, string clientId);
    }
}
