namespace VoiceAppliance.Mqtt;

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
