using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Workflows;

/// <summary>
/// Offline intents: recognises the transcript against the configured sentence templates
/// (<see cref="IntentRecognizer"/>), runs the intent's actions (publish, volume, mute, time, date, timer)
/// and speaks its templated reply. Unmatched transcripts get the fallback reply and the session ends with
/// <c>intent_not_recognized</c>. <see cref="Jsgf"/> is the same sentences as a grammar for the grammar STT.
/// </summary>
public sealed partial class IntentWorkflow : IVoiceWorkflow, IDisposable
{
    private static readonly TimeSpan s_sayRetry = TimeSpan.FromSeconds(5);
    private const int SayAttempts = 24;

    private readonly IntentOptions _options;
    private readonly Dictionary<string, IntentDefinition> _byName;
    private readonly IMessagePublisher _publisher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<ITimer> _timers = [];
    private readonly Lazy<CommandCompleteness> _completeness;

    /// <summary>Creates the workflow; validates <paramref name="options"/>.</summary>
    public IntentWorkflow(IntentOptions options, IMessagePublisher? publisher = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _byName = options.Intents.ToDictionary(i => i.Name, StringComparer.Ordinal);
        _publisher = publisher ?? NullMessagePublisher.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        Recognizer = new IntentRecognizer(options.Intents.Select(i => (i.Name, (IEnumerable<string>)i.Sentences)), options.MinScore);
        Jsgf = Recognizer.ToJsgf();
        _completeness = new Lazy<CommandCompleteness>(() => Recognizer.BuildCompleteness(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc />
    public CompletenessKind Completeness(string transcript) => _completeness.Value.Classify(transcript);

    /// <inheritdoc />
    public string Name => "intents";

    /// <summary>The recognizer over the configured sentences.</summary>
    public IntentRecognizer Recognizer { get; }

    /// <summary>The configured sentences as a JSGF grammar, for the grammar STT.</summary>
    public string Jsgf { get; }

    /// <summary>Timers started and not yet fired.</summary>
    public int ActiveTimers
    {
        get
        {
            lock (_timers)
            {
                return _timers.Count;
            }
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> RespondAsync(WorkflowTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var match = Recognizer.Recognize(turn.Transcript);
        if (match is null)
        {
            LogNotRecognized(_logger, turn.Transcript);
            turn.ReportIntentNotRecognized();
            yield return _options.FallbackReply;
            yield break;
        }

        turn.Intent = match.Intent;
        LogRecognized(_logger, match.Intent, match.Score);
        var intent = _byName[match.Intent];
        var reply = await RunAsync(intent, match.Slots, turn, cancellationToken).ConfigureAwait(false);
        if (intent.ContinueSession)
        {
            turn.ContinueSession();
        }

        if (reply.Length > 0)
        {
            yield return reply;
        }
    }

    /// <summary>The configured intents.</summary>
    public IReadOnlyList<IntentDefinition> Intents => _options.Intents;

    /// <summary>The intent named <paramref name="name"/>, or null.</summary>
    public IntentDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// Runs <paramref name="intent"/>'s actions with <paramref name="slots"/> (publish, volume, mute, timer, time,
    /// date) and returns its rendered reply (trimmed; empty when it has none). Used for recognised utterances and for
    /// an assistant's tool calls; the caller has validated the slot values.
    /// </summary>
    public async ValueTask<string> RunAsync(IntentDefinition intent, IReadOnlyDictionary<string, string> slots, WorkflowTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(turn);
        var values = Values(intent.Name, slots);
        foreach (var action in intent.Actions)
        {
            switch (action.Kind)
            {
                case IntentActionKind.Publish:
                    var payload = action.Payload is null ? intent.Name : ReplyTemplate.Render(action.Payload, values);
                    await _publisher.PublishAsync(ReplyTemplate.Render(action.Topic!, values), payload, cancellationToken).ConfigureAwait(false);
                    break;
                case IntentActionKind.SetVolume:
                    turn.Appliance.Volume = Math.Clamp(Number(action, values, intent), 0, 100);
                    break;
                case IntentActionKind.Mute:
                    turn.Appliance.MuteAfterReply();
                    break;
                case IntentActionKind.StartTimer:
                    var amount = Number(action, values, intent);
                    var length = action.Unit switch
                    {
                        "seconds" => TimeSpan.FromSeconds(amount),
                        "hours" => TimeSpan.FromHours(amount),
                        _ => TimeSpan.FromMinutes(amount),
                    };
                    StartTimer(length, action.Payload is null ? "Your timer is done." : ReplyTemplate.Render(action.Payload, values), turn.Appliance);
                    break;
                default:
                    break;
            }
        }

        return Reply(intent, values);
    }

    /// <inheritdoc />
    public string? PreviewReply(string transcript)
    {
        var match = Recognizer.Recognize(transcript);
        if (match is null)
        {
            return null;
        }

        var reply = Reply(_byName[match.Intent], Values(match.Intent, match.Slots));
        return reply.Length > 0 ? reply : null;
    }

    /// <summary>The spoken reply: the intent's template, or the time or date its actions tell.</summary>
    private static string Reply(IntentDefinition intent, Dictionary<string, string> values)
    {
        var reply = new StringBuilder(intent.Reply is null ? string.Empty : ReplyTemplate.Render(intent.Reply, values));
        if (intent.Reply is null)
        {
            foreach (var action in intent.Actions)
            {
                _ = action.Kind switch
                {
                    IntentActionKind.TellTime => reply.Append(CultureInfo.InvariantCulture, $" It is {values["time"]}."),
                    IntentActionKind.TellDate => reply.Append(CultureInfo.InvariantCulture, $" Today is {values["date"]}."),
                    _ => reply,
                };
            }
        }

        return reply.ToString().Trim();
    }

    private Dictionary<string, string> Values(string intent, IReadOnlyDictionary<string, string> slots)
    {
        var now = _time.GetLocalNow();
        return new Dictionary<string, string>(slots, StringComparer.Ordinal)
        {
            ["time"] = now.ToString("h:mm tt", CultureInfo.InvariantCulture),
            ["date"] = now.ToString("dddd, MMMM d", CultureInfo.InvariantCulture),
            ["intent"] = intent,
        };
    }

    /// <summary>Cancels the pending timers.</summary>
    public void Dispose()
    {
        lock (_timers)
        {
            foreach (var t in _timers)
            {
                t.Dispose();
            }

            _timers.Clear();
        }
    }

    private static int Number(IntentActionOptions action, Dictionary<string, string> values, IntentDefinition intent)
    {
        var text = ReplyTemplate.Render(action.Value!, values).Trim();
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
        {
            throw new InvalidOperationException($"Intent '{intent.Name}': the {action.Kind} value '{action.Value}' gave '{text}', not a whole number; use a number range slot such as (0..100){{level}}.");
        }

        return n;
    }

    private void StartTimer(TimeSpan length, string message, IApplianceControl appliance)
    {
        var attempts = 0;
        ITimer? timer = null;
        timer = _time.CreateTimer(
            _ =>
            {
                if (appliance.Say(message) || ++attempts >= SayAttempts)
                {
                    lock (_timers)
                    {
                        _timers.Remove(timer!);
                    }

                    timer!.Dispose();
                    return;
                }

                timer!.Change(s_sayRetry, Timeout.InfiniteTimeSpan); // busy: try again shortly
            },
            null,
            Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        lock (_timers)
        {
            _timers.Add(timer);
        }

        timer.Change(length, Timeout.InfiniteTimeSpan);
        LogTimerStarted(_logger, length.TotalSeconds);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Intent {Intent} recognised (score {Score})")]
    private static partial void LogRecognized(ILogger logger, string intent, double score);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "No intent matches '{Transcript}'")]
    private static partial void LogNotRecognized(ILogger logger, string transcript);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Timer started for {Seconds} s")]
    private static partial void LogTimerStarted(ILogger logger, double seconds);
}
