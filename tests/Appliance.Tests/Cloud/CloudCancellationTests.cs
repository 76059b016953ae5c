using VoiceAppliance.Cloud;
using VoiceAppliance.Testing;
using VoiceAppliance.Workflows;
using static VoiceAppliance.Tests.Cloud.CloudTestServer;

namespace VoiceAppliance.Tests.Cloud;

/// <summary>The turn's cancellation (barge-in, stop, the watchdog) reaches a cloud call; it is not a provider failure.</summary>
public sealed class CloudCancellationTests
{
    [Fact]
    public async Task Cancelling_a_turn_stops_a_stalled_stream_at_once_and_does_not_count_against_the_provider()
    {
        await using var server = CloudTestServer.Start();
        server.Always("/v1/chat/completions", (c, _) => server.SseThenStall(c, TextChunks("Mount Everest is").Take(2)));
        var log = new LogCapture();
        using var endpoint = CloudTestKit.Endpoint(CloudTestKit.Options(CloudProviderKind.Llm, server.BaseUrl, o => o with { FirstByteTimeout = TimeSpan.FromSeconds(60), TotalTimeout = TimeSpan.FromSeconds(120) }), log);
        var workflow = new LlmWorkflow(endpoint, null, intentsFirst: false, log.CreateLogger("llm"));
        var turn = CloudTestKit.Turn("what is the tallest mountain", new RecordingAppliance());
        using var cts = new CancellationTokenSource();
        var pieces = new List<string>();

        var run = Task.Run(async () =>
        {
            await foreach (var piece in workflow.RespondAsync(turn, cts.Token))
            {
                pieces.Add(piece);
                await cts.CancelAsync(); // the user barged in after the first words
            }
        });

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(cts.IsCancellationRequested, ex.Message);
        Assert.Equal(["Mount E"], pieces);
        Assert.Equal(0, endpoint.Breaker.Failures);
        Assert.Null(turn.Providers.FallbackReasons);
        Assert.DoesNotContain(log.Lines, l => l.Contains("The assistant failed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_half_open_probe_whose_turn_was_cancelled_expires_after_a_cool_down()
    {
        var time = new ManualTimeProvider();
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(10), time);
        breaker.Failure();
        Assert.False(breaker.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(breaker.TryAcquire()); // the probe; its caller is cancelled and never reports
        Assert.False(breaker.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(breaker.TryAcquire());
        breaker.Success();
        Assert.False(breaker.IsOpen);
        Assert.True(breaker.TryAcquire());
    }
}
