using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Mqtt;

/// <summary>
/// Removes this appliance from the broker and from Home Assistant: an empty retained message on every retained topic it
/// published (the discovery config, state and availability of the configured device id, and whatever the ledger in
/// the state directory recorded under earlier ids or prefixes). Used by <c>appliance mqtt forget</c> and by
/// <c>install.sh --uninstall</c>; the daemon should be stopped first, or it announces itself again at its next connect.
/// </summary>
internal static class MqttForget
{
    /// <summary>Connects, clears, disconnects; returns the topics cleared.</summary>
    /// <exception cref="MqttException">The broker was not reachable within <paramref name="timeout"/>, or refused a clearing.</exception>
    /// <exception cref="TimeoutException">The broker did not acknowledge a clearing within <paramref name="timeout"/>.</exception>
    public static async Task<IReadOnlyList<string>> RunAsync(MqttOptions options, ILogger logger, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var topics = new MqttTopics(options);
        var stateDirectory = options.StateDirectory;
        var recorded = Directory.Exists(stateDirectory) ? RetainedTopicLedger.Load(stateDirectory) : [];
        // The discovery topic is cleared even with discovery off now: it may have been on before the ledger existed.
        var all = recorded.Union(topics.RetainedTopics(discovery: true), StringComparer.Ordinal).ToList();

        // Its own client id and a clean session: a running daemon's session is not taken over.
        var settings = options.ToConnectionSettings(will: null) with { ClientId = options.EffectiveClientId + "-forget", CleanSession = true };
        using var client = new MqttNetClient(settings, logger);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connected += () => connected.TrySetResult();
        client.Start();
        try
        {
            await connected.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new MqttException($"the broker {options.Host}:{options.Port} was not reachable within {timeout.TotalSeconds:F0} s (see the log line above for why); nothing was cleared", ex);
        }

        foreach (var topic in all)
        {
            await client.PublishAndWaitAsync(topic, ReadOnlyMemory<byte>.Empty, 1, true, timeout).ConfigureAwait(false);
        }

        if (Directory.Exists(stateDirectory))
        {
            RetainedTopicLedger.Delete(stateDirectory);
        }

        return all;
    }
}
