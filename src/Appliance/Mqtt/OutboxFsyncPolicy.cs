using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace VoiceAppliance.Mqtt;

/// <summary>When the durable outbox forces its appended records to disk.</summary>
public enum OutboxFsyncPolicy
{
    /// <summary>fsync after every record (nothing acknowledged to the caller is lost on power loss; slowest).</summary>
    PerRecord,

    /// <summary>
    /// Records reach the kernel at once (they survive a daemon crash) and are fsync'd at most
    /// <see cref="MqttOptions.OutboxFsyncInterval"/> later: a power cut loses at most that window of reports.
    /// </summary>
    Batch,

    /// <summary>Never fsync (the kernel writes back when it likes, typically within 30 s); for SD cards that must be spared.</summary>
    None,
}
