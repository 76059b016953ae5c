namespace VoiceAppliance.Pipeline;

/// <summary>Prints a pipeline's events as they happen, one line each (the demo, <c>appliance run -v</c>, logs).</summary>
public static class PipelineEventPrinter
{
    /// <summary>
    /// Writes each event of <paramref name="subscription"/> to <paramref name="output"/> as a line
    /// (<see cref="PipelineEventPayload.ToLine"/>), or as JSON when <paramref name="json"/> is true, until the
    /// subscription completes or <paramref name="cancellationToken"/> is cancelled. Reports events the
    /// printer lost by falling behind.
    /// </summary>
    public static async Task RunAsync(PipelineEventSubscription subscription, TextWriter output, bool json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(output);
        long dropped = 0;
        try
        {
            await foreach (var e in subscription.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (subscription.Dropped != dropped)
                {
                    await output.WriteLineAsync($"({subscription.Dropped - dropped} event(s) dropped: the output fell behind)").ConfigureAwait(false);
                    dropped = subscription.Dropped;
                }

                await output.WriteLineAsync(json ? PipelineEventPayload.ToJson(e) : PipelineEventPayload.ToLine(e)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
