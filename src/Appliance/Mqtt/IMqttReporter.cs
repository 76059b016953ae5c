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
