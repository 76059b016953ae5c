using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VoiceAppliance.Workflows;

/// <summary>
/// <c>Workflow:Kind = mqtt</c>: each transcript goes out as a request (MQTT <c>&lt;base&gt;/conversation/request</c>) and
/// the reply that comes back (<c>&lt;base&gt;/cmd/reply</c>, matched by id, possibly streamed in parts) is spoken as it
/// arrives. Requests are not queued while the broker is away: a question answered minutes later would act on stale
/// words, so the appliance says at once that the home server cannot be reached, and says so too when no reply comes
/// within <c>Workflow:ReplyTimeoutSeconds</c>. Thread-safe.
/// </summary>
public sealed partial class MqttConversationWorkflow : IVoiceWorkflow
{
    /// <summary>Said when the request cannot be sent.</summary>
    public const string UnreachableReply = "Sorry, I cannot reach the home server right now.";

    /// <summary>Said when no reply arrives in time.</summary>
    public const string NoAnswerReply = "Sorry, the home server did not answer.";

    private readonly IConversationChannel _channel;
    private readonly TimeSpan _replyTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Channel<ConversationReply>> _pending = new(StringComparer.Ordinal);

    /// <summary>Creates the workflow.</summary>
    /// <param name="channel">Where requests go.</param>
    /// <param name="replyTimeout">How long to wait for the reply, and between streamed parts of it.</param>
    /// <param name="timeProvider">Time source (tests).</param>
    /// <param name="logger">Logger.</param>
    public MqttConversationWorkflow(IConversationChannel channel, TimeSpan replyTimeout, TimeProvider? timeProvider = null, ILogger<MqttConversationWorkflow>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(replyTimeout, TimeSpan.Zero);
        _channel = channel;
        _replyTimeout = replyTimeout;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name => "mqtt";

    /// <summary>Requests waiting for their reply.</summary>
    public int Pending => _pending.Count;

    /// <summary>
    /// Hands a reply to the turn waiting for it. Returns false when no turn waits for <see cref="ConversationReply.Id"/>
    /// (unknown, or late after the timeout): the caller reports it as bad input.
    /// </summary>
    public bool Deliver(ConversationReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return _pending.TryGetValue(reply.Id, out var waiting) && waiting.Writer.TryWrite(reply);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> RespondAsync(WorkflowTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var id = turn.SessionId + "-" + turn.TurnIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var replies = Channel.CreateUnbounded<ConversationReply>(new UnboundedChannelOptions { SingleReader = true });
        _pending[id] = replies;
        try
        {
            if (!_channel.IsConnected || !_channel.Send(new ConversationRequest(id, turn.SessionId, turn.TurnIndex, turn.Transcript)))
            {
                LogUnreachable(_logger, id);
                yield return UnreachableReply;
                yield break;
            }

            var spoke = false;
            while (true)
            {
                var reply = await NextAsync(replies.Reader, cancellationToken).ConfigureAwait(false);
                if (reply is null)
                {
                    LogTimedOut(_logger, id, _replyTimeout.TotalSeconds);
                    if (!spoke)
                    {
                        yield return NoAnswerReply;
                    }

                    yield break;
                }

                if (reply.Intent is { Length: > 0 })
                {
                    turn.Intent = reply.Intent;
                }

                if (reply.Continue)
                {
                    turn.ContinueSession();
                }

                if (!string.IsNullOrWhiteSpace(reply.Text))
                {
                    spoke = true;
                    yield return reply.Text;
                }

                if (reply.Final)
                {
                    yield break;
                }
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task<ConversationReply?> NextAsync(ChannelReader<ConversationReply> reader, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timer = _time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), timeout, _replyTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            return await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 6301, Level = LogLevel.Warning, Message = "conversation {Id}: the MQTT broker is not reachable; the request was not sent")]
    private static partial void LogUnreachable(ILogger logger, string id);

    [LoggerMessage(EventId = 6302, Level = LogLevel.Warning, Message = "conversation {Id}: no reply within {Seconds} s")]
    private static partial void LogTimedOut(ILogger logger, string id, double seconds);
}
