using VoiceAppliance.Mqtt;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>
/// <c>mqtt-echo PORT STATE_DIR DEVICE_ID</c>: a real <see cref="MqttService"/> in a child process (so its RSS can be
/// read from /proc) whose handler answers every accepted <c>say</c> with a final transcript session event carrying the
/// text, and every volume with a state; prints <c>ready</c> once connected.
/// </summary>
internal static class EchoChild
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = MqttTestOptions.ForChild(args);
        var handler = new EchoHandler();
        var service = new MqttService(options, handler, new ListLogger());
        handler.Service = service;
        await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
        while (!service.IsConnected)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        await Console.Out.WriteLineAsync("ready").ConfigureAwait(false);
        // "measure" on stdin: a full, compacting, decommitting collection, then the RSS (kB) and the managed heap (bytes).
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line == "measure")
            {
                System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                var rss = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
                await Console.Out.WriteLineAsync($"rss {rss} heap {GC.GetTotalMemory(false)}").ConfigureAwait(false);
            }
        }

        return 0;
    }

    private sealed class EchoHandler : IMqttCommandHandler
    {
        public MqttService? Service { get; set; }

        public Task ListenAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SayAsync(SayCommand command, CancellationToken cancellationToken)
        {
            Service?.PublishSessionEvent(new SessionEventReport { EventType = SessionEventTypes.Transcript, SessionId = "echo", Text = command.Text, Final = true });
            return Task.CompletedTask;
        }

        public Task SetMutedAsync(bool muted, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SetVolumeAsync(int volume, CancellationToken cancellationToken)
        {
            Service?.PublishStatus(new ApplianceStatus { Volume = volume });
            return Task.CompletedTask;
        }

        public Task PlayIntercomAsync(IntercomClip clip, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
