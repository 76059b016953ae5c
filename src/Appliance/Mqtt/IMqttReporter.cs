namespace VoiceAppliance.Mqtt;

/// <summary>
/// What the pipeline, the button and the intercom publish. <see cref="MqttService"/> implements it; with MQTT disabled
/// register <see cref="NullMqttReporter"/> so callers need no checks.
/// </summary>
public interface IMqttReporter
{
    /// <summary>Queues a session event durably (QoS 1, in order, after outages and restarts); returns its sequence number.</summary>
    long PublishSessionEvent(SessionEventReport report);

    /// <summary>Queues an intent durably on <c>&lt;base&gt;/intent/&lt;name&gt;</c>; returns its sequence number.</summary>
    long PublishIntent(IntentReport intent);

    /// <summary>Publishes a button event.</summary>
    void PublishButtonEvent(ButtonEventReport report);

    /// <summary>Publishes the retained state (and remembers it for reconnects).</summary>
    void PublishStatus(ApplianceStatus status);

    /// <summary>Sends an intercom recording (WAV bytes) to the current intercom targets; returns how many it went to.</summary>
    int SendIntercom(ReadOnlySpan<byte> wav);
}

/// <summary>The reporter used when MQTT is disabled: accepts everything, sends nothing.</summary>
public sealed class NullMqttReporter : IMqttReporter
{
    /// <summary>The shared instance.</summary>
    public static NullMqttReporter Instance { get; } = new();

    /// <inheritdoc />
    public long PublishSessionEvent(SessionEventReport report) => -1;

    /// <inheritdoc />
    public long PublishIntent(IntentReport intent) => -1;

    /// <inheritdoc />
    public void PublishButtonEvent(ButtonEventReport report)
    {
    }

    /// <inheritdoc />
    public void PublishStatus(ApplianceStatus status)
    {
    }

    /// <inheritdoc />
    public int SendIntercom(ReadOnlySpan<byte> wav) => 0;
}
