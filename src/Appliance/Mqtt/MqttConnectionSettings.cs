namespace VoiceAppliance.Mqtt;

/// <summary>A last-will message the broker publishes when the connection drops without a DISCONNECT.</summary>
internal sealed record MqttWill(string Topic, byte[] Payload, int Qos, bool Retain);

/// <summary>Everything <see cref="MqttNetClient"/> needs to connect; built from <see cref="MqttOptions"/>.</summary>
internal sealed record MqttConnectionSettings
{
    public required string Host { get; init; }

    public int Port { get; init; } = 1883;

    public required string ClientId { get; init; }

    public string? Username { get; init; }

    /// <summary>The password itself (read from a file or environment variable); never logged.</summary>
    public string? Password { get; init; }

    public bool Mqtt5 { get; init; } = true;

    public int KeepAliveSeconds { get; init; } = 30;

    public bool CleanSession { get; init; }

    /// <summary>MQTT 5 session expiry for persistent sessions (CleanSession false).</summary>
    public uint SessionExpirySeconds { get; init; } = 86_400;

    public bool Tls { get; init; }

    public string? TlsCaFile { get; init; }

    public string? TlsCertFile { get; init; }

    public string? TlsKeyFile { get; init; }

    public bool TlsInsecure { get; init; }

    public MqttWill? Will { get; init; }

    /// <summary>MQTT 5: the largest packet the broker may send us (it drops larger ones); 0: no limit.</summary>
    public uint MaximumPacketSize { get; init; }

    public TimeSpan ReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>For logs: the password is never part of this text.</summary>
    public override string ToString() => $"{(Tls ? "mqtts" : "mqtt")}://{Host}:{Port} as '{ClientId}' (MQTT {(Mqtt5 ? "5" : "3.1.1")})";
}

/// <summary>Capped exponential backoff with jitter for reconnect attempts.</summary>
internal static class ReconnectBackoff
{
    /// <summary>
    /// The wait before attempt <paramref name="attempt"/> (0-based): <c>min(max, initial * 2^attempt)</c>, scaled by a
    /// factor in [0.5, 1] chosen by <paramref name="jitter01"/> in [0, 1) ("equal jitter": never less than half the
    /// nominal delay, so a fleet of devices does not reconnect in lockstep after a broker restart).
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max, double jitter01)
    {
        var exponent = Math.Clamp(attempt, 0, 30);
        var nominal = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        var factor = 0.5 + (0.5 * Math.Clamp(jitter01, 0, 1));
        return TimeSpan.FromMilliseconds(nominal * factor);
    }
}
