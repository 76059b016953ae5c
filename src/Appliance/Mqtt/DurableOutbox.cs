using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Mqtt;

/// <summary>Where the outbox sends records: the MQTT client (QoS 1, not retained).</summary>
internal interface IOutboxTransport
{
    /// <summary>True while the broker connection is up.</summary>
    bool IsConnected { get; }

    /// <summary>Publishes at QoS 1 (with an MQTT 5 message expiry when <paramref name="expirySeconds"/> is not 0) and completes at the PUBACK.</summary>
    Task<PublishOutcome> PublishAsync(string topic, byte[] payload, uint expirySeconds);
}

/// <summary>Counters of the outbox.</summary>
/// <param name="Pending">Records queued and not yet acknowledged by the broker (refused ones included: they are kept).</param>
/// <param name="PendingBytes">The size on disk of what the outbox holds.</param>
/// <param name="Delivered">Records acknowledged by the broker since start.</param>
/// <param name="Evicted">Records dropped oldest-first because <see cref="MqttOptions.OutboxMaxBytes"/> was reached (since start).</param>
/// <param name="Expired">Records with a time to live (device actions) dropped undelivered when it ran out (since start).</param>
/// <param name="Refused">Records the broker refused (an MQTT 5 PUBACK error such as 135 "not authorized"), each counted once (since start).</param>
public readonly record struct OutboxStats(long Pending, long PendingBytes, long Delivered, long Evicted, long Expired = 0, long Refused = 0);

/// <summary>Why a record left the outbox undelivered, or was refused; raised once per record.</summary>
/// <param name="Kind"><c>evicted</c>, <c>expired</c> or <c>refused</c>.</param>
internal readonly record struct OutboxIncident(string Kind, long Seq, string Topic, string Reason);

/// <summary>
/// The durable outbox for QoS 1 session reports, button events and device actions: an append-only file
/// <c>&lt;StateDirectory&gt;/mqtt-outbox.dat</c> (mode 0600: it holds transcripts) of checksummed records plus
/// <c>mqtt-outbox.acked</c> holding the sequence number up to which everything was acknowledged. Records are published
/// in order, at most <see cref="MqttOptions.OutboxMaxInflight"/> unacknowledged at a time; the broker's PUBACK retires
/// them. After a reconnect the outbox sends again, in its own order, everything not acknowledged (what was in flight
/// first, then what queued during the outage); after a daemon restart every record past the acknowledged mark is
/// published again (so a consumer may see a record twice, as QoS 1 allows; the sequence id in each payload lets it
/// de-duplicate).
/// <para>A record may carry an expiry (device actions: a light must not switch on minutes late): it is sent with the
/// MQTT 5 message expiry of the time left, and dropped (counted, reported <c>expired</c>) when that time has passed
/// before it could be sent. A record the broker refuses (PUBACK reason code 128 or above) is kept, counted and reported
/// once, and tried again after the next reconnect (an ACL may have been fixed); the records behind it go on.</para>
/// <para>Durability: see <see cref="OutboxFsyncPolicy"/>; fsync never runs under the lock the network and audio paths
/// take. Compaction writes the live records to a temp file, fsyncs it, renames it over the outbox and fsyncs the
/// directory. Size: bytes held are capped at <see cref="MqttOptions.OutboxMaxBytes"/>, evicting the oldest records
/// (counted, reported <c>evicted</c>). A torn or corrupt tail (power loss mid-write) is cut off at open, with a warning.</para>
/// </summary>
internal sealed partial class DurableOutbox : IDisposable
{
    public const string FileName = "mqtt-outbox.dat";
    public const string AckFileName = "mqtt-outbox.acked";
    private const uint Magic = 0x424F4156;   // "VAOB": seq, topic, payload
    private const uint MagicV2 = 0x324F4156; // "VAO2": seq, expiry (unix ms, 0 none), topic, payload
    private const int HeaderBytes = 12;      // magic, body length, crc32(body)
    private const int MaxRecordBytes = 16 * 1024 * 1024;
    private const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly object _gate = new();
    private readonly object _syncGate = new(); // serialises fsync and the compaction's file swap; never taken inside _gate
    private readonly string _directory;
    private readonly string _path;
    private readonly string _ackPath;
    private readonly long _maxBytes;
    private readonly int _maxInflight;
    private readonly OutboxFsyncPolicy _fsync;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LinkedList<Entry> _entries = new();
    private readonly ITimer? _maintenanceTimer;
    private readonly FileStream _ackFile;
    private FileStream _file = null!;
    private IOutboxTransport? _transport;
    private LinkedListNode<Entry>? _nextToSend;
    private List<Entry>? _appendedWhileCompacting;
    private int _inflight;
    private int _epoch;
    private bool _linkUp; // between OnConnected (cursor reset for the new connection) and the loss of that connection
    private long _nextSeq;
    private long _ackedSeq;
    private long _liveBytes;
    private long _deadBytes;
    private long _pending;
    private long _delivered;
    private long _evicted;
    private long _expired;
    private long _refused;
    private bool _dirty;
    private bool _compactWanted;
    private bool _evictionReported;
    private bool _disposed;
    private readonly bool _loading = true;

    /// <summary>
    /// Null when <paramref name="directory"/> exists (or can be created) and the appliance can write files in it;
    /// otherwise what is wrong and the fix. Creates the directory when it is missing.
    /// </summary>
    public static string? CheckStateDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"Mqtt:StateDirectory = '{directory}' is not a writable directory ({ex.Message}). Fix: create it writable for the appliance user (systemd: StateDirectory=appliance) or point Mqtt:StateDirectory at one.";
        }
    }

    /// <summary>Opens (or creates) the outbox under <paramref name="directory"/>, loading the undelivered records.</summary>
    /// <exception cref="Configuration.ConfigurationException">The directory is not writable (Mqtt:StateDirectory).</exception>
    public DurableOutbox(string directory, MqttOptions options, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _maxBytes = options.OutboxMaxBytes;
        _maxInflight = options.OutboxMaxInflight;
        _fsync = options.OutboxFsync;
        if (CheckStateDirectory(directory) is { } problem)
        {
            throw new Configuration.ConfigurationException(problem, [new Configuration.ConfigIssue(Configuration.ConfigSeverity.Error, "Mqtt:StateDirectory", problem)]);
        }

        _directory = directory;
        _path = Path.Combine(directory, FileName);
        _ackPath = Path.Combine(directory, AckFileName);
        _ackFile = OpenPrivate(_ackPath, FileMode.OpenOrCreate, FileAccess.ReadWrite);
        Span<byte> ack = stackalloc byte[8];
        _ackedSeq = _ackFile.Length >= 8 && RandomAccess.Read(_ackFile.SafeFileHandle, ack, 0) == 8 ? BinaryPrimitives.ReadInt64LittleEndian(ack) : 0;

        var lastSeq = Load();
        _loading = false;
        // A new outbox starts its sequence at the current time in microseconds, so ids stay unique and increasing
        // even when the state directory was wiped.
        var floor = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        _nextSeq = Math.Max(Math.Max(lastSeq, _ackedSeq) + 1, _entries.Count == 0 && lastSeq == 0 && _ackedSeq == 0 ? floor : 0);
        _file = OpenPrivate(_path, FileMode.Append, FileAccess.Write);
        if (_deadBytes > 0)
        {
            _compactWanted = true;
            Compact();
        }

        _nextToSend = _entries.First;
        var period = _fsync == OutboxFsyncPolicy.Batch ? options.OutboxFsyncInterval : TimeSpan.FromSeconds(1);
        _maintenanceTimer = _time.CreateTimer(static s => ((DurableOutbox)s!).Maintain(), this, period, period);
    }

    /// <summary>Raised (under no lock the caller holds, on a pool thread or the enqueuing thread) once per record that is evicted, expires or is refused.</summary>
    public event Action<OutboxIncident>? Incident;

    /// <summary>Raised (under no lock, on a pool thread) once per record when the broker's PUBACK retires it: its sequence number.</summary>
    public event Action<long>? Acknowledged;

    /// <summary>Current counters.</summary>
    public OutboxStats Stats
    {
        get
        {
            lock (_gate)
            {
                return new OutboxStats(_pending, _liveBytes, _delivered, _evicted, _expired, _refused);
            }
        }
    }

    /// <summary>Attaches the transport and starts sending if it is connected.</summary>
    public void Attach(IOutboxTransport transport)
    {
        List<OutboxIncident>? incidents = null;
        lock (_gate)
        {
            _transport = transport;
            Pump(ref incidents);
        }

        Raise(incidents);
    }

    /// <summary>
    /// Appends a record for <paramref name="topic"/>; <paramref name="buildPayload"/> receives the record's sequence
    /// number (to put an id in the payload). With <paramref name="timeToLive"/> the record is dropped (reported
    /// <c>expired</c>) if it cannot be sent in time, and carries the time left as its MQTT 5 message expiry. Returns
    /// the sequence number. The record is on disk per the fsync policy when this returns, and is published as soon as
    /// the connection and the in-flight window allow.
    /// </summary>
    public long Enqueue(string topic, Func<long, byte[]> buildPayload, TimeSpan? timeToLive = null)
    {
        ArgumentNullException.ThrowIfNull(buildPayload);
        List<OutboxIncident>? incidents = null;
        long seq;
        SafeHandleLease? sync = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            seq = _nextSeq;
            var payload = buildPayload(seq);
            var expires = timeToLive is { } ttl ? _time.GetUtcNow().Add(ttl).ToUnixTimeMilliseconds() : 0;
            var size = RecordSize(topic, payload);
            if (size > _maxBytes || size > MaxRecordBytes)
            {
                throw new ArgumentException($"An outbox record of {size} bytes for '{topic}' exceeds Mqtt:OutboxMaxBytes ({_maxBytes}); it cannot be queued.", nameof(buildPayload));
            }

            while (_liveBytes + size > _maxBytes && _entries.First is { } oldest)
            {
                Evict(oldest, ref incidents);
            }

            _nextSeq++;
            var entry = new Entry(seq, expires, topic, payload, size);
            WriteRecord(entry);
            var node = _entries.AddLast(entry);
            _liveBytes += size;
            _pending++;
            _nextToSend ??= node;
            if (_fsync == OutboxFsyncPolicy.PerRecord)
            {
                sync = SafeHandleLease.Of(_file.SafeFileHandle);
            }

            Pump(ref incidents);
        }

        if (sync is { } lease)
        {
            // PerRecord: on disk before returning, but outside the lock the network thread takes.
            using (lease)
            {
                lock (_syncGate)
                {
                    lease.Fsync();
                }
            }
        }

        Raise(incidents);
        return seq;
    }

    /// <summary>
    /// Call when the broker accepted a connection: everything not acknowledged is sent again from the oldest, so
    /// what was in flight when the link dropped goes out before what queued during the outage. Refused records are
    /// tried once more.
    /// </summary>
    public void OnConnected()
    {
        List<OutboxIncident>? incidents = null;
        lock (_gate)
        {
            _epoch++;
            _inflight = 0;
            _linkUp = true;
            foreach (var entry in _entries)
            {
                entry.InFlight = false;
            }

            _nextToSend = _entries.First;
            Pump(ref incidents);
        }

        Raise(incidents);
    }

    /// <summary>
    /// Call when the connection is lost: nothing is sent until <see cref="OnConnected"/> has reset the cursor for the
    /// next connection. (Sending as soon as the client reports connected again would put the reports queued during the
    /// outage before those that were in flight when it began.)
    /// </summary>
    public void OnDisconnected()
    {
        lock (_gate)
        {
            _linkUp = false;
        }
    }

    /// <summary>Forces written records and the acknowledged mark to disk (the fsync runs outside the outbox lock).</summary>
    public void FlushToDisk()
    {
        SafeHandleLease data;
        SafeHandleLease ack;
        lock (_gate)
        {
            if (_disposed || !_dirty)
            {
                return;
            }

            _dirty = false;
            data = SafeHandleLease.Of(_file.SafeFileHandle);
            ack = SafeHandleLease.Of(_ackFile.SafeFileHandle);
        }

        using (data)
        using (ack)
        {
            lock (_syncGate)
            {
                data.Fsync();
                ack.Fsync();
            }
        }
    }

    /// <summary>Flushes and closes the files. Undelivered records stay for the next start.</summary>
    public void Dispose()
    {
        _maintenanceTimer?.Dispose();
        lock (_syncGate)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _file.Flush(flushToDisk: true);
                _ackFile.Flush(flushToDisk: true);
                _disposed = true;
                _file.Dispose();
                _ackFile.Dispose();
            }
        }
    }

    private static FileStream OpenPrivate(string path, FileMode mode, FileAccess access)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.Read, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateMode;
        }

        var stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(stream.SafeFileHandle) & ~PrivateMode) != 0)
        {
            // A file from an older release (or a copy) readable by others: it holds transcripts.
            File.SetUnixFileMode(stream.SafeFileHandle, PrivateMode);
        }

        return stream;
    }

    private void Maintain()
    {
        try
        {
            if (_fsync == OutboxFsyncPolicy.Batch)
            {
                FlushToDisk(); // None leaves it to the kernel; PerRecord has fsync'd each record already
            }

            CompactInBackground();
            List<OutboxIncident>? incidents = null;
            lock (_gate)
            {
                if (!_disposed)
                {
                    DropExpired(ref incidents);
                }
            }

            Raise(incidents);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while the timer fired.
        }
#pragma warning disable CA1031 // A disk error in the background must not end the process; it is logged and retried.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.MaintenanceFailed(_logger, _path, ex.Message);
        }
    }

    private void Raise(List<OutboxIncident>? incidents)
    {
        if (incidents is null)
        {
            return;
        }

        foreach (var incident in incidents)
        {
            Incident?.Invoke(incident);
        }
    }

    private bool IsExpired(Entry entry) => entry.ExpiresAtMs != 0 && _time.GetUtcNow().ToUnixTimeMilliseconds() >= entry.ExpiresAtMs;

    /// <summary>Drops every pending record whose time to live has run out (not those in flight: their PUBACK decides).</summary>
    private void DropExpired(ref List<OutboxIncident>? incidents)
    {
        for (var node = _entries.First; node is not null;)
        {
            var next = node.Next;
            if (!node.Value.Acked && !node.Value.InFlight && IsExpired(node.Value))
            {
                Expire(node, ref incidents);
            }

            node = next;
        }
    }

    private void Expire(LinkedListNode<Entry> node, ref List<OutboxIncident>? incidents)
    {
        var entry = node.Value;
        if (_nextToSend == node)
        {
            _nextToSend = node.Next;
        }

        MarkDone(entry);
        _expired++;
        Log.Expired(_logger, entry.Seq, entry.Topic);
        (incidents ??= []).Add(new OutboxIncident("expired", entry.Seq, entry.Topic, "its time to live ran out before the broker could take it (Mqtt:ActionTtlSeconds)"));
        RetireHead();
    }

    private async Task CompleteAsync(Entry entry, int epoch, Task<PublishOutcome> publish)
    {
        // Always continue on the thread pool: a publish that fails at once must not re-enter Pump's loop.
        await ((Task)publish).ConfigureAwait(ConfigureAwaitOptions.ForceYielding | ConfigureAwaitOptions.SuppressThrowing);
        var outcome = publish.IsCompletedSuccessfully ? publish.Result : PublishOutcome.NotSent(publish.Exception?.GetBaseException().Message ?? "cancelled");
        List<OutboxIncident>? incidents = null;
        var acknowledged = false;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (entry.InFlight && entry.Epoch == epoch)
            {
                entry.InFlight = false;
                _inflight--;
            }

            switch (outcome.Status)
            {
                case PublishStatus.Delivered when !entry.Acked:
                    MarkDone(entry);
                    _delivered++;
                    acknowledged = true;
                    RetireHead();
                    break;
                case PublishStatus.Refused when !entry.Acked:
                    // Not delivered: kept (tried again after the next reconnect), counted and reported once.
                    entry.RefusedEpoch = epoch;
                    if (!entry.RefusalReported)
                    {
                        entry.RefusalReported = true;
                        _refused++;
                        (incidents ??= []).Add(new OutboxIncident("refused", entry.Seq, entry.Topic, outcome.Describe()));
                    }

                    break;
                case PublishStatus.NotSent:
                    // The link dropped: OnConnected sends it again, in order, on the next connection; until then the
                    // cursor stays where it is.
                    if (epoch == _epoch && !(_transport?.IsConnected ?? false))
                    {
                        _linkUp = false;
                    }

                    return;
            }

            Pump(ref incidents);
        }

        if (acknowledged)
        {
            Acknowledged?.Invoke(entry.Seq);
        }

        Raise(incidents);
    }

    private void Pump(ref List<OutboxIncident>? incidents)
    {
        var transport = _transport;
        if (transport is null || _disposed || !_linkUp)
        {
            return;
        }

        while (_nextToSend is { } node && _inflight < _maxInflight && transport.IsConnected)
        {
            var entry = node.Value;
            _nextToSend = node.Next;
            if (entry.Acked || entry.InFlight || entry.RefusedEpoch == _epoch)
            {
                continue;
            }

            uint expiry = 0;
            if (entry.ExpiresAtMs != 0)
            {
                var left = entry.ExpiresAtMs - _time.GetUtcNow().ToUnixTimeMilliseconds();
                if (left <= 0)
                {
                    Expire(node, ref incidents);
                    continue;
                }

                expiry = (uint)Math.Max(1, (left + 999) / 1000);
            }

            entry.InFlight = true;
            entry.Epoch = _epoch;
            _inflight++;
            _ = CompleteAsync(entry, _epoch, transport.PublishAsync(entry.Topic, entry.Payload, expiry));
        }
    }

    private void MarkDone(Entry entry)
    {
        if (!entry.Acked)
        {
            entry.Acked = true;
            _pending--;
        }
    }

    private void Evict(LinkedListNode<Entry> node, ref List<OutboxIncident>? incidents)
    {
        var entry = node.Value;
        if (entry.InFlight)
        {
            entry.InFlight = false;
            _inflight--;
        }

        if (_nextToSend == node)
        {
            _nextToSend = node.Next;
        }

        var wasPending = !entry.Acked;
        MarkDone(entry);
        if (wasPending)
        {
            _evicted++;
            if (!_evictionReported)
            {
                // One log line and one event per episode (until the outbox is empty again); the counter has every record.
                _evictionReported = true;
                Log.Evicting(_logger, _maxBytes, entry.Seq);
                (incidents ??= []).Add(new OutboxIncident("evicted", entry.Seq, entry.Topic, $"the outbox is full (Mqtt:OutboxMaxBytes = {_maxBytes}); the oldest undelivered reports are dropped, counted in outbox_evicted"));
            }
        }

        RetireHead();
    }

    private void RetireHead()
    {
        var retired = false;
        while (_entries.First is { } head && head.Value.Acked)
        {
            if (_nextToSend == head)
            {
                _nextToSend = head.Next;
            }

            _entries.RemoveFirst();
            _liveBytes -= head.Value.Size;
            _deadBytes += head.Value.Size;
            _ackedSeq = head.Value.Seq;
            retired = true;
        }

        if (!retired)
        {
            return;
        }

        if (_pending == 0)
        {
            _evictionReported = false;
        }

        Span<byte> ack = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(ack, _ackedSeq);
        RandomAccess.Write(_ackFile.SafeFileHandle, ack, 0);
        _dirty = true;
        if (!_loading && _deadBytes > Math.Max(256 * 1024, _liveBytes))
        {
            _compactWanted = true;
        }
    }

    private void WriteRecord(Entry entry)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(entry.Size);
        try
        {
            Encode(entry, buffer.AsSpan(0, entry.Size));
            _file.Write(buffer, 0, entry.Size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _appendedWhileCompacting?.Add(entry);
        _dirty = true;
    }

    /// <summary>At open (nothing else runs yet): rewrites the file with the live records only.</summary>
    private void Compact()
    {
        var tmp = _path + ".tmp";
        using (var output = OpenPrivate(tmp, FileMode.Create, FileAccess.Write))
        {
            WriteAll(output, _entries);
            output.Flush(flushToDisk: true);
        }

        _file.Dispose();
        File.Move(tmp, _path, overwrite: true);
        FsyncDirectory(_directory);
        _file = OpenPrivate(_path, FileMode.Append, FileAccess.Write);
        _ackFile.Flush(flushToDisk: true);
        _deadBytes = 0;
        _compactWanted = false;
    }

    /// <summary>
    /// Rewrites the file with the live records while Enqueue and the PUBACKs go on: the bulk is written and fsync'd
    /// outside the lock, then (briefly, under it) the records appended meanwhile are copied, the file renamed into
    /// place, and finally the new file and the directory are fsync'd outside the lock again.
    /// </summary>
    private void CompactInBackground()
    {
        List<Entry> snapshot;
        lock (_gate)
        {
            if (!_compactWanted || _disposed || _appendedWhileCompacting is not null)
            {
                return;
            }

            _compactWanted = false;
            snapshot = [.. _entries.Where(e => !e.Acked)];
            _appendedWhileCompacting = [];
        }

        var tmp = _path + ".tmp";
        FileStream? output = null;
        try
        {
            output = OpenPrivate(tmp, FileMode.Create, FileAccess.Write);
            WriteAll(output, snapshot);
            output.Flush(flushToDisk: true);
            SafeHandleLease fresh;
            lock (_syncGate)
            {
                lock (_gate)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    var appended = _appendedWhileCompacting!;
                    _appendedWhileCompacting = null;
                    WriteAll(output, appended.Where(e => !e.Acked));
                    if (_fsync == OutboxFsyncPolicy.PerRecord && appended.Count > 0)
                    {
                        output.Flush(flushToDisk: true); // rare: records promised durable arrived during the rewrite
                    }

                    output.Dispose();
                    output = null;
                    _file.Dispose();
                    File.Move(tmp, _path, overwrite: true);
                    _file = OpenPrivate(_path, FileMode.Append, FileAccess.Write);
                    _deadBytes = 0;
                    _dirty = true;
                    fresh = SafeHandleLease.Of(_file.SafeFileHandle);
                }

                using (fresh)
                {
                    fresh.Fsync();
                }

                FsyncDirectory(_directory);
            }
        }
        finally
        {
            lock (_gate)
            {
                _appendedWhileCompacting = null;
            }

            output?.Dispose();
        }
    }

    private static void WriteAll(FileStream output, IEnumerable<Entry> entries)
    {
        foreach (var entry in entries)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(entry.Size);
            try
            {
                Encode(entry, buffer.AsSpan(0, entry.Size));
                output.Write(buffer, 0, entry.Size);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>fsync of the directory, so a rename in it survives a power cut.</summary>
    private static void FsyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Interop.Libc.OpenForSync(directory, Interop.Libc.ReadOnlyCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open the directory '{directory}' to fsync it (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Interop.Libc.Fsync(fd) != 0)
            {
                throw new IOException($"fsync of the directory '{directory}' failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Interop.Libc.CloseAfterSync(fd);
        }
    }

    /// <summary>Reads the file; returns the highest sequence number seen (0 if none).</summary>
    private long Load()
    {
        if (!File.Exists(_path))
        {
            return 0;
        }

        var data = File.ReadAllBytes(_path);
        long lastSeq = 0;
        var pos = 0;
        while (pos < data.Length)
        {
            if (!TryDecode(data.AsSpan(pos), out var entry, out var size))
            {
                Log.CorruptTail(_logger, _path, data.Length - pos, pos);
                using (var truncate = new FileStream(_path, FileMode.Open, FileAccess.Write))
                {
                    truncate.SetLength(pos);
                    truncate.Flush(flushToDisk: true);
                }

                break;
            }

            pos += size;
            lastSeq = Math.Max(lastSeq, entry.Seq);
            if (entry.Seq <= _ackedSeq)
            {
                _deadBytes += size;
            }
            else
            {
                _entries.AddLast(entry);
                _liveBytes += size;
                _pending++;
            }
        }

        if (_entries.Count > 0)
        {
            Log.Loaded(_logger, _entries.Count, _path);
        }

        List<OutboxIncident>? ignored = null; // nobody listens yet; the counters and the log line report it
        while (_liveBytes > _maxBytes && _entries.First is { } oldest)
        {
            Evict(oldest, ref ignored);
        }

        return lastSeq;
    }

    private static int RecordSize(string topic, byte[] payload) => HeaderBytes + 8 + 8 + 2 + Encoding.UTF8.GetByteCount(topic) + payload.Length;

    private static void Encode(Entry entry, Span<byte> destination)
    {
        var body = destination[HeaderBytes..entry.Size];
        BinaryPrimitives.WriteInt64LittleEndian(body, entry.Seq);
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], entry.ExpiresAtMs);
        var topicLength = Encoding.UTF8.GetBytes(entry.Topic, body[18..]);
        BinaryPrimitives.WriteUInt16LittleEndian(body[16..], (ushort)topicLength);
        entry.Payload.CopyTo(body[(18 + topicLength)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, MagicV2);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Crc32.Compute(body));
    }

    private static bool TryDecode(ReadOnlySpan<byte> data, out Entry entry, out int size)
    {
        entry = null!;
        size = 0;
        if (data.Length < HeaderBytes + 10)
        {
            return false;
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        var fixedBytes = magic == MagicV2 ? 18 : magic == Magic ? 10 : -1; // v1 records (no expiry) from older releases still load
        if (fixedBytes < 0)
        {
            return false;
        }

        var bodyLength = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
        if (bodyLength < fixedBytes || bodyLength > MaxRecordBytes || HeaderBytes + bodyLength > data.Length)
        {
            return false;
        }

        var body = data.Slice(HeaderBytes, bodyLength);
        if (Crc32.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[8..]))
        {
            return false;
        }

        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(body[(fixedBytes - 2)..]);
        if (fixedBytes + topicLength > bodyLength)
        {
            return false;
        }

        size = HeaderBytes + bodyLength;
        var expires = fixedBytes == 18 ? BinaryPrimitives.ReadInt64LittleEndian(body[8..]) : 0;
        entry = new Entry(
            BinaryPrimitives.ReadInt64LittleEndian(body),
            expires,
            Encoding.UTF8.GetString(body.Slice(fixedBytes, topicLength)),
            body[(fixedBytes + topicLength)..].ToArray(),
            fixedBytes == 18 ? size : size + 8); // counted at the v2 size it is rewritten with
        return true;
    }

    private sealed class Entry(long seq, long expiresAtMs, string topic, byte[] payload, int size)
    {
        public long Seq { get; } = seq;

        /// <summary>Unix milliseconds after which the record is dropped undelivered; 0: kept until delivered.</summary>
        public long ExpiresAtMs { get; } = expiresAtMs;

        public string Topic { get; } = topic;

        public byte[] Payload { get; } = payload;

        public int Size { get; } = size;

        public bool InFlight { get; set; }

        public int Epoch { get; set; }

        /// <summary>The connection on which the broker refused it (not sent again on that connection); -1: never.</summary>
        public int RefusedEpoch { get; set; } = -1;

        public bool RefusalReported { get; set; }

        public bool Acked { get; set; }
    }

    /// <summary>Keeps a file handle open (DangerousAddRef) while it is fsync'd outside the lock that may close it.</summary>
    private readonly struct SafeHandleLease : IDisposable
    {
        private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
        private readonly bool _added;

        private SafeHandleLease(Microsoft.Win32.SafeHandles.SafeFileHandle handle, bool added)
        {
            _handle = handle;
            _added = added;
        }

        public static SafeHandleLease Of(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
        {
            var added = false;
            handle.DangerousAddRef(ref added);
            return new SafeHandleLease(handle, added);
        }

        public void Fsync()
        {
            if (_added && Interop.Libc.Fsync((int)_handle.DangerousGetHandle()) != 0)
            {
                throw new IOException($"fsync of the MQTT outbox failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
            }
        }

        public void Dispose()
        {
            if (_added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "MQTT outbox full ({MaxBytes} bytes, Mqtt:OutboxMaxBytes): evicting the oldest undelivered reports, starting with #{Seq}; the state topic counts them (outbox_evicted)")]
        public static partial void Evicting(ILogger logger, long maxBytes, long seq);

        [LoggerMessage(21, LogLevel.Warning, "MQTT outbox '{Path}': dropped a torn or corrupt tail of {Bytes} bytes at offset {Offset} (an interrupted write); the records before it are kept")]
        public static partial void CorruptTail(ILogger logger, string path, int bytes, int offset);

        [LoggerMessage(22, LogLevel.Information, "MQTT outbox: {Count} undelivered records from '{Path}' will be sent when the broker is reachable")]
        public static partial void Loaded(ILogger logger, int count, string path);

        [LoggerMessage(24, LogLevel.Information, "MQTT outbox: action #{Seq} for '{Topic}' expired undelivered (its time to live ran out; Mqtt:ActionTtlSeconds) and was dropped")]
        public static partial void Expired(ILogger logger, long seq, string topic);

        [LoggerMessage(25, LogLevel.Warning, "MQTT outbox maintenance of '{Path}' failed (tried again shortly): {Reason}")]
        public static partial void MaintenanceFailed(ILogger logger, string path, string reason);
    }
}

/// <summary>CRC-32 (IEEE 802.3, reflected 0xEDB88320) for outbox records.</summary>
internal static class Crc32
{
    private static readonly uint[] s_table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = s_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
