using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Cloud;

/// <summary>
/// A conversational assistant over an OpenAI-compatible <c>chat/completions</c> stream: the answer is yielded as it
/// arrives (the pipeline speaks its first sentence while the rest generates), the session keeps a bounded history
/// (follow-ups without a new trigger), and the configured intents are the assistant's tools. With
/// <c>intentsFirst</c> (<c>Workflow:Kind = intents-then-llm</c>) an utterance that matches an intent is answered
/// locally and never leaves the device. When the assistant cannot be reached (error, timeout, open circuit) the
/// local intents answer what they understand, and anything else gets <see cref="UnreachableReply"/>; the fallback
/// is reported in the turn's <see cref="WorkflowTurn.Providers"/>.
/// </summary>
public sealed partial class LlmWorkflow : IVoiceWorkflow
{
    /// <summary>Spoken when the assistant cannot be reached and no local intent matches.</summary>
    public const string UnreachableReply = "I can't reach the assistant right now.";

    /// <summary>Spoken when the answer broke off after it had started.</summary>
    public const string BrokenOffReply = "Sorry, I lost the connection to the assistant.";

    private readonly ChatCompletionsClient _client;
    private readonly IntentWorkflow? _intents;
    private readonly IntentTools? _tools;
    private readonly bool _intentsFirst;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<ChatMessage> _history = [];
    private string? _historySession;

    /// <summary>Creates the workflow.</summary>
    /// <param name="endpoint">The LLM provider.</param>
    /// <param name="intents">The local intents: tools, and the fallback (null: neither).</param>
    /// <param name="intentsFirst">Try the local intents before the assistant.</param>
    /// <param name="logger">Logs failures (never a key; transcripts only at debug level).</param>
    public LlmWorkflow(CloudEndpoint endpoint, IntentWorkflow? intents, bool intentsFirst, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(logger);
        if (intentsFirst && intents is null)
        {
            throw new ArgumentException("intents-then-llm needs the intents", nameof(intents));
        }

        _client = new ChatCompletionsClient(endpoint);
        _intents = intents;
        _tools = intents is null ? null : new IntentTools(intents);
        _intentsFirst = intentsFirst;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => _intentsFirst ? "intents-then-llm" : "llm";

    /// <summary>The provider.</summary>
    public CloudEndpoint Endpoint => _client.Endpoint;

    /// <summary>Messages of history kept for the current session (tests, diagnostics).</summary>
    public int HistoryCount
    {
        get
        {
            lock (_gate)
            {
                return _history.Count;
            }
        }
    }

    /// <inheritdoc />
    public CompletenessKind Completeness(string transcript) => _intentsFirst && _intents is not null ? _intents.Completeness(transcript) : CompletenessKind.Unsure;

    /// <inheritdoc />
    public async IAsyncEnumerable<string> RespondAsync(WorkflowTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var provider = _client.Endpoint.Name;
        if (_intentsFirst && _intents!.Recognizer.Recognize(turn.Transcript) is not null)
        {
            turn.Providers.Used("llm", "intents");
            await foreach (var piece in _intents.RespondAsync(turn, cancellationToken).ConfigureAwait(false))
            {
                yield return piece;
            }

            yield break;
        }

        CloudProviderException? failure = null;
        var spoken = false;
        var breaker = _client.Endpoint.Breaker;
        if (!breaker.TryAcquire())
        {
            failure = new CloudProviderException("circuit_open", $"{provider}: skipped after {breaker.Failures} failures in a row (circuit open for {_client.Endpoint.Options.CoolDown.TotalSeconds:0} s)");
        }
        else
        {
            var added = new List<ChatMessage>();
            var enumerator = ConverseAsync(turn, added, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    (var moved, failure) = await _client.Endpoint.MoveNextAsync(enumerator, provider, cancellationToken).ConfigureAwait(false);
                    if (!moved)
                    {
                        break;
                    }

                    spoken = true;
                    yield return enumerator.Current;
                }
            }
            finally
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }

            if (failure is null)
            {
                breaker.Success();
                Remember(turn.SessionId, added);
                turn.Providers.Used("llm", provider);
                if (_client.Endpoint.Options.FollowUp && !spoken)
                {
                    yield break; // a silent answer: nothing to follow up on
                }

                if (_client.Endpoint.Options.FollowUp)
                {
                    turn.ContinueSession();
                }

                yield break;
            }

            breaker.Failure();
        }

        LogFailed(_logger, failure.Reason, failure.Message);
        if (spoken)
        {
            turn.Providers.FellBack("llm", provider, "apology", failure.Reason);
            yield return " " + BrokenOffReply;
            yield break;
        }

        if (!_intentsFirst && _intents is not null && _intents.Recognizer.Recognize(turn.Transcript) is not null)
        {
            turn.Providers.FellBack("llm", provider, "intents", failure.Reason);
            await foreach (var piece in _intents.RespondAsync(turn, cancellationToken).ConfigureAwait(false))
            {
                yield return piece;
            }

            yield break;
        }

        turn.Providers.FellBack("llm", provider, "unreachable_reply", failure.Reason);
        yield return UnreachableReply;
    }

    /// <summary>Forgets the conversation.</summary>
    public void ResetHistory()
    {
        lock (_gate)
        {
            _history.Clear();
            _historySession = null;
        }
    }

    private async IAsyncEnumerable<string> ConverseAsync(WorkflowTurn turn, List<ChatMessage> added, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = _client.Endpoint.Options;
        var messages = new List<ChatMessage> { new() { Role = "system", Content = options.SystemPrompt } };
        lock (_gate)
        {
            if (_historySession == turn.SessionId)
            {
                messages.AddRange(_history);
            }
        }

        var user = new ChatMessage { Role = "user", Content = turn.Transcript };
        messages.Add(user);
        added.Add(user);
        var tools = _tools?.Definitions;
        for (var round = 0; ; round++)
        {
            var toolsAllowed = tools is { Count: > 0 } && round < options.MaxToolRounds;
            var text = new StringBuilder();
            IReadOnlyList<ToolCall>? calls = null;
            await foreach (var piece in _client.StreamAsync(messages, tools, toolsAllowed, cancellationToken).ConfigureAwait(false))
            {
                if (piece.Text is { } t)
                {
                    text.Append(t);
                    yield return t;
                }
                else
                {
                    calls = piece.ToolCalls;
                }
            }

            if (calls is null || calls.Count == 0 || !toolsAllowed)
            {
                if (calls is { Count: > 0 } && text.Length == 0)
                {
                    throw new CloudProviderException("bad_tool_call", $"{_client.Endpoint.Name}: still calling tools after {options.MaxToolRounds} rounds (MaxToolRounds) and no answer");
                }

                var answer = new ChatMessage { Role = "assistant", Content = text.ToString() };
                added.Add(answer);
                yield break;
            }

            var assistant = new ChatMessage { Role = "assistant", Content = text.Length > 0 ? text.ToString() : null, ToolCalls = [.. calls] };
            messages.Add(assistant);
            added.Add(assistant);
            foreach (var call in calls)
            {
                string result;
                bool ok;
                try
                {
                    (result, ok) = await _tools!.RunAsync(call, turn, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
                {
                    (result, ok) = ($"{{\"ok\":false,\"error\":\"the action failed\"}}", false);
                    LogToolFailed(_logger, call.Function.Name ?? "?", ex.Message);
                }

                if (!ok)
                {
                    turn.Providers.Problem("llm", _client.Endpoint.Name, "bad_tool_call " + (call.Function.Name ?? "?"));
                    LogBadToolCall(_logger, call.Function.Name ?? "?", result);
                }

                var message = new ChatMessage { Role = "tool", ToolCallId = call.Id, Content = result };
                messages.Add(message);
                added.Add(message);
            }
        }
    }

    private void Remember(string sessionId, List<ChatMessage> added)
    {
        var max = _client.Endpoint.Options.MaxHistoryMessages;
        lock (_gate)
        {
            if (_historySession != sessionId)
            {
                _history.Clear();
                _historySession = sessionId;
            }

            _history.AddRange(added);
            while (_history.Count > max || (_history.Count > 0 && _history[0].Role != "user"))
            {
                _history.RemoveAt(0);
            }
        }
    }

    [LoggerMessage(EventId = 181, Level = LogLevel.Warning, Message = "The assistant failed ({Reason}): {Message}; falling back")]
    private static partial void LogFailed(ILogger logger, string reason, string message);

    [LoggerMessage(EventId = 182, Level = LogLevel.Warning, Message = "The assistant's call of tool {Tool} was refused: {Result}")]
    private static partial void LogBadToolCall(ILogger logger, string tool, string result);

    [LoggerMessage(EventId = 183, Level = LogLevel.Warning, Message = "Tool {Tool} failed: {Message}")]
    private static partial void LogToolFailed(ILogger logger, string tool, string message);
}
