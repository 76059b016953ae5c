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
/// <param name="Pending">Records queued and not yet acknowledged by the broker.</param>
/// <param name="PendingBytes">Their size on disk.</param>
/// <param name="Delivered">Records acknowledged by the broker since start.</param>
/// <param name="Evicted">Records dropped oldest-first because <see cref="MqttOptions.OutboxMaxBytes"/> was reached (since start).</param>
public readonly record struct OutboxStats(long Pending, long PendingBytes, long Delivered, long Evicted);

/// <summary>
/// The durable outbox for QoS 1 session reports and intents: an append-only file
/// <c>&lt;StateDirectory&gt;/mqtt-outbox.dat</c> of checksummed records plus <c>mqtt-outbox.acked</c> holding the
/// sequence number up to which everything was acknowledged. Records are published in order, at most
/// <see cref="MqttOptions.OutboxMaxInflight"/> unacknowledged at a time; the broker's PUBACK retires them. After a
/// reconnect the outbox sends again, in its own order, everything not acknowledged (what was in flight first, then what
/// queued during the outage); after a daemon restart every record past the acknowledged mark is published again (so a consumer may see a record twice, as QoS 1 allows; the sequence id in
/// each payload lets it de-duplicate). Durability: see <see cref="OutboxFsyncPolicy"/>. Size: queued bytes are capped
/// at <see cref="MqttOptions.OutboxMaxBytes"/>, evicting the oldest records, counted in <see cref="OutboxStats.Evicted"/>.
/// A torn or corrupt tail (power loss mid-write) is cut off at open, with a warning.
/// </summary>
internal sealed partial class DurableOutbox : IDisposable
{
    public const string FileName = "mqtt-outbox.dat";
    public const string AckFileName = "mqtt-outbox.acked";
    private const uint Magic = 0x424F4156; // "VAOB"
    private const int HeaderBytes = 12;     // magic, body length, crc32(body)
    private const int MaxRecordBytes = 16 * 1024 * 1024;

    private readonly object _gate = new();
    private readonly string _path;
    private readonly string _ackPath;
    private readonly long _maxBytes;
    private readonly int _maxInflight;
    private readonly OutboxFsyncPolicy _fsync;
    private readonly ILogger _logger;
    private readonly LinkedList<Entry> _entries = new();
    private int _inflight;
    private int _epoch;
    private readonly ITimer? _fsyncTimer;
    private FileStream _file = null!;
    private readonly FileStream _ackFile;
    private IOutboxTransport? _transport;
    private LinkedListNode<Entry>? _nextToSend;
    private long _nextSeq;
    private long _ackedSeq;
    private long _liveBytes;
    private long _deadBytes;
    private long _delivered;
    private long _evicted;
    private bool _dirty;
    private bool _evictionLogged;
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
        _maxBytes = options.OutboxMaxBytes;
        _maxInflight = options.OutboxMaxInflight;
        _fsync = options.OutboxFsync;
        if (CheckStateDirectory(directory) is { } problem)
        {
            throw new Configuration.ConfigurationException(problem, [new Configuration.ConfigIssue(Configuration.ConfigSeverity.Error, "Mqtt:StateDirectory", problem)]);
        }

        _path = Path.Combine(directory, FileName);
        _ackPath = Path.Combine(directory, AckFileName);
        _ackFile = new FileStream(_ackPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 0);
        Span<byte> ack = stackalloc byte[8];
        _ackedSeq = _ackFile.Length >= 8 && RandomAccess.Read(_ackFile.SafeFileHandle, ack, 0) == 8 ? BinaryPrimitives.ReadInt64LittleEndian(ack) : 0;

        var lastSeq = Load();
        _loading = false;
        // A new outbox starts its sequence at the current time in microseconds, so ids stay unique and increasing
        // even when the state directory was wiped.
        var floor = (timeProvider ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        _nextSeq = Math.Max(Math.Max(lastSeq, _ackedSeq) + 1, _entries.Count == 0 && lastSeq == 0 && _ackedSeq == 0 ? floor : 0);
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 0);
        if (_deadBytes > 0)
        {
            Compact();
        }

        _nextToSend = _entries.First;
        if (_fsync == OutboxFsyncPolicy.Batch)
        {
            _fsyncTimer = (timeProvider ?? TimeProvider.System).CreateTimer(_ => FlushToDisk(), null, options.OutboxFsyncInterval, options.OutboxFsyncInterval);
        }
    }

    /// <summary>Current counters.</summary>
    public OutboxStats Stats
    {
        get
        {
            lock (_gate)
            {
                return new OutboxStats(_entries.Count, _liveBytes, _delivered, _evicted);
            }
        }
    }

    /// <summary>Attaches the transport and starts sending if it is connected.</summary>
    public void Attach(IOutboxTransport transport)
    {
        lock (_gate)
        {
            _transport = transport;
            Pump();
        }
    }

    /// <summary>
    /// Appends a record for <paramref name="topic"/>; <paramref name="buildPayload"/> receives the record's sequence
    /// number (to put an id in the payload). Returns the sequence number. The record is on disk per the fsync policy
    /// when this returns, and is published as soon as the connection and the in-flight window allow.
    /// </summary>
    public long Enqueue(string topic, Func<long, byte[]> buildPayload)
    {
        ArgumentNullException.ThrowIfNull(buildPayload);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var seq = _nextSeq;
            var payload = buildPayload(seq);
            var size = RecordSize(topic, payload);
            if (size > _maxBytes || size > MaxRecordBytes)
            {
                throw new ArgumentException($"An outbox record of {size} bytes for '{topic}' exceeds Mqtt:OutboxMaxBytes ({_maxBytes}); it cannot be queued.", nameof(buildPayload));
            }

            while (_liveBytes + size > _maxBytes && _entries.First is { } oldest)
            {
                Evict(oldest);
            }

            _nextSeq++;
            var entry = new Entry(seq, topic, payload, size);
            WriteRecord(entry);
            var node = _entries.AddLast(entry);
            _liveBytes += size;
            _nextToSend ??= node;
            Pump();
            return seq;
        }
    }

    /// <summary>
    /// Call when the broker accepted a connection: everything not acknowledged is sent again from the oldest, so
    /// what was in flight when the link dropped goes out before what queued during the outage.
    /// </summary>
    public void OnConnected()
    {
        lock (_gate)
        {
            _epoch++;
            _inflight = 0;
            foreach (var entry in _entries)
            {
                entry.InFlight = false;
            }

            _nextToSend = _entries.First;
            Pump();
        }
    }

    private async Task CompleteAsync(Entry entry, int epoch, Task<PublishOutcome> publish)
    {
        // Always continue on the thread pool: a publish that fails at once must not re-enter Pump's loop.
        await ((Task)publish).ConfigureAwait(ConfigureAwaitOptions.ForceYielding | ConfigureAwaitOptions.SuppressThrowing);
        var outcome = publish.IsCompletedSuccessfully ? publish.Result : PublishOutcome.NotSent(publish.Exception?.GetBaseException().Message ?? "cancelled");
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
                    entry.Acked = true;
                    _delivered++;
                    RetireHead();
                    break;
                case PublishStatus.NotSent:
                    // The link dropped: OnConnected sends it again, in order, on the next connection.
                    return;
            }

            Pump();
        }
    }

    /// <summary>Forces written records and the acknowledged mark to disk.</summary>
    public void FlushToDisk()
    {
        lock (_gate)
        {
            if (_disposed || !_dirty)
            {
                return;
            }

            _file.Flush(flushToDisk: true);
            _ackFile.Flush(flushToDisk: true);
            _dirty = false;
        }
    }

    /// <summary>Flushes and closes the files. Undelivered records stay for the next start.</summary>
    public void Dispose()
    {
        _fsyncTimer?.Dispose();
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

    private void Pump()
    {
        var transport = _transport;
        if (transport is null || _disposed)
        {
            return;
        }

        while (_nextToSend is { } node && _inflight < _maxInflight && transport.IsConnected)
        {
            var entry = node.Value;
            _nextToSend = node.Next;
            if (entry.Acked || entry.InFlight)
            {
                continue;
            }

            entry.InFlight = true;
            entry.Epoch = _epoch;
            _inflight++;
            _ = CompleteAsync(entry, _epoch, transport.PublishAsync(entry.Topic, entry.Payload, 0));
        }
    }

    private void Evict(LinkedListNode<Entry> node)
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

        entry.Acked = true;
        _evicted++;
        if (!_evictionLogged)
        {
            _evictionLogged = true;
            Log.Evicting(_logger, _maxBytes, entry.Seq);
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

        if (_entries.Count == 0)
        {
            _evictionLogged = false;
        }

        Span<byte> ack = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(ack, _ackedSeq);
        RandomAccess.Write(_ackFile.SafeFileHandle, ack, 0);
        _dirty = true;
        if (!_loading && _deadBytes > Math.Max(256 * 1024, _liveBytes))
        {
            Compact();
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

        if (_fsync == OutboxFsyncPolicy.PerRecord)
        {
            _file.Flush(flushToDisk: true);
        }
        else
        {
            _dirty = true;
        }
    }

    /// <summary>
    /// Rewrites the file with the live records only (temp file, fsync, atomic rename). If a power cut undoes the rename,
    /// the old file comes back; its extra records are at or below the acknowledged mark and are skipped at load.
    /// </summary>
    private void Compact()
    {
        var tmp = _path + ".tmp";
        using (var output = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
        {
            foreach (var entry in _entries)
            {
                var buffer = new byte[entry.Size];
                Encode(entry, buffer);
                output.Write(buffer);
            }

            output.Flush(flushToDisk: true);
        }

        _file.Dispose();
        File.Move(tmp, _path, overwrite: true);
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 0);
        _ackFile.Flush(flushToDisk: true);
        _deadBytes = 0;
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
            }
        }

        if (_entries.Count > 0)
        {
            Log.Loaded(_logger, _entries.Count, _path);
        }

        while (_liveBytes > _maxBytes && _entries.First is { } oldest)
        {
            Evict(oldest);
        }

        return lastSeq;
    }

    private static int RecordSize(string topic, byte[] payload) => HeaderBytes + 8 + 2 + Encoding.UTF8.GetByteCount(topic) + payload.Length;

    private static void Encode(Entry entry, Span<byte> destination)
    {
        var body = destination[HeaderBytes..];
        BinaryPrimitives.WriteInt64LittleEndian(body, entry.Seq);
        var topicLength = Encoding.UTF8.GetBytes(entry.Topic, body[10..]);
        BinaryPrimitives.WriteUInt16LittleEndian(body[8..], (ushort)topicLength);
        entry.Payload.CopyTo(body[(10 + topicLength)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Crc32.Compute(body));
    }

    private static bool TryDecode(ReadOnlySpan<byte> data, out Entry entry, out int size)
    {
        entry = null!;
        size = 0;
        if (data.Length < HeaderBytes + 10 || BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic)
        {
            return false;
        }

        var bodyLength = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
        if (bodyLength < 10 || bodyLength > MaxRecordBytes || HeaderBytes + bodyLength > data.Length)
        {
            return false;
        }

        var body = data.Slice(HeaderBytes, bodyLength);
        if (Crc32.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[8..]))
        {
            return false;
        }

        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(body[8..]);
        if (10 + topicLength > bodyLength)
        {
            return false;
        }

        size = HeaderBytes + bodyLength;
        entry = new Entry(
            BinaryPrimitives.ReadInt64LittleEndian(body),
            Encoding.UTF8.GetString(body.Slice(10, topicLength)),
            body[(10 + topicLength)..].ToArray(),
            size);
        return true;
    }

    private sealed class Entry(long seq, string topic, byte[] payload, int size)
    {
        public long Seq { get; } = seq;

        public string Topic { get; } = topic;

        public byte[] Payload { get; } = payload;

        public int Size { get; } = size;

        public bool InFlight { get; set; }

        public int Epoch { get; set; }

        public bool Acked { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "MQTT outbox full ({MaxBytes} bytes, Mqtt:OutboxMaxBytes): evicting the oldest undelivered reports, starting with #{Seq}; the state topic counts them (outbox_evicted)")]
        public static partial void Evicting(ILogger logger, long maxBytes, long seq);

        [LoggerMessage(21, LogLevel.Warning, "MQTT outbox '{Path}': dropped a torn or corrupt tail of {Bytes} bytes at offset {Offset} (an interrupted write); the records before it are kept")]
        public static partial void CorruptTail(ILogger logger, string path, int bytes, int offset);

        [LoggerMessage(22, LogLevel.Information, "MQTT outbox: {Count} undelivered records from '{Path}' will be sent when the broker is reachable")]
        public static partial void Loaded(ILogger logger, int count, string path);
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
