using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Hosting;

/// <summary>
/// Pipeline events to the outside: session events and intents to MQTT (durable), state changes to the retained
/// MQTT state, the LEDs and the button logic, and to systemd's STATUS line; session ends and errors to the log.
/// It subscribes when constructed, so no event of the first session is missed.
/// </summary>
internal sealed class EventBridgeService : BackgroundService
{
    private readonly ApplianceRuntime _runtime;
    private readonly ILogger _logger;
    private readonly PipelineEventSubscription _subscription;
    private long _sessions;

    public EventBridgeService(ApplianceRuntime runtime, ILogger<EventBridgeService> logger)
    {
        _runtime = runtime;
        _logger = logger;
        _subscription = runtime.Pipeline.Events.Subscribe(1024);
    }

    public override void Dispose()
    {
        _subscription.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        Report(() => _runtime.Reporter.PublishStatus(_runtime.Status(_runtime.Pipeline.State)));
        try
        {
            await foreach (var e in _subscription.WithCancellation(stoppingToken).ConfigureAwait(false))
            {
                Report(() => Forward(e));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The MQTT session event for a pipeline event, or null for events that are not session events.</summary>
    internal static SessionEventReport? ToReport(PipelineEvent e) => e switch
    {
        SessionStartedEvent s => new SessionEventReport { EventType = SessionEventTypes.SessionStarted, SessionId = s.SessionId ?? string.Empty, Trigger = TriggerName(s.Trigger), Timestamp = s.Timestamp },
        TurnStartedEvent t => new SessionEventReport { EventType = SessionEventTypes.TurnStarted, SessionId = t.SessionId ?? string.Empty, Turn = t.TurnIndex, Timestamp = t.Timestamp },
        TranscriptEvent t => new SessionEventReport { EventType = SessionEventTypes.Transcript, SessionId = t.SessionId ?? string.Empty, Turn = t.TurnIndex, Text = t.Text, Final = t.IsFinal, Timestamp = t.Timestamp },
        TurnEndedEvent t => WithMetrics(new SessionEventReport { EventType = SessionEventTypes.TurnEnded, SessionId = t.SessionId ?? string.Empty, Turn = t.TurnIndex, Text = t.Transcript, Reply = t.ReplyText, Timestamp = t.Timestamp }, t.Metrics),
        SessionEndedEvent s => WithMetrics(new SessionEventReport { EventType = SessionEventTypes.SessionEnded, SessionId = s.SessionId ?? string.Empty, Turn = s.Turns, Reason = s.Reason.ToWireName(), DurationMs = s.Duration.TotalMilliseconds, Timestamp = s.Timestamp }, s.LastTurn),
        WakeWordEvent w => new SessionEventReport { EventType = SessionEventTypes.Wake, SessionId = w.SessionId ?? string.Empty, Text = w.Word, Score = Math.Round(w.Score, 3), Reason = w.Action == WakeWordAction.Event ? w.EventName : w.BargeIn ? "barge_in" : "listen", Timestamp = w.Timestamp },
        PipelineErrorEvent x => new SessionEventReport { EventType = SessionEventTypes.Error, SessionId = x.SessionId ?? string.Empty, Reason = x.Source + ": " + x.Message, Timestamp = x.Timestamp },
        _ => null,
    };

    private static SessionEventReport WithMetrics(SessionEventReport report, TurnMetrics? m) => m is null ? report : report with
    {
        LatencyMs = m.EndOfSpeechToFirstAudioMs,
        TranscriptMs = m.EndOfSpeechToTranscriptMs,
        FirstReplyTextMs = m.EndOfSpeechToFirstReplyTextMs,
        FirstAudioMs = m.EndOfSpeechToFirstAudioMs,
        VoiceToAudioMs = m.LastVoiceToFirstAudioMs,
        EarlyEndpoint = m.EarlyEndpoint,
        SpeechMs = m.SpeechDuration > TimeSpan.Zero ? m.SpeechDuration.TotalMilliseconds : null,
        SttRtf = m.SttRealTimeFactor,
        TtsRtf = m.TtsRealTimeFactor,
        Provider = m.Provider,
        FallbackReason = m.FallbackReason,
    };

    private static string TriggerName(SessionTrigger trigger) => trigger switch
    {
        SessionTrigger.PushToTalkTap or SessionTrigger.PushToTalkHold => "button",
        SessionTrigger.ListenCommand => "command",
        SessionTrigger.WakeWord => "wake_word",
        _ => trigger.ToString().ToLowerInvariant(),
    };

    private void Forward(PipelineEvent e)
    {
        switch (e)
        {
            case StateChangedEvent s:
                _runtime.Devices.OnStateChanged(s.To);
                _runtime.Reporter.PublishStatus(_runtime.Status(s.To));
                _runtime.Notifier?.Status(string.Create(CultureInfo.InvariantCulture, $"{s.To.ToWireName()}; {Interlocked.Read(ref _sessions)} sessions"));
                return;
            case SessionEndedEvent s:
                Interlocked.Increment(ref _sessions);
                HostLog.SessionEnded(_logger, s.SessionId, s.Reason);
                NativeHeap.Trim();
                break;
            case PipelineErrorEvent x:
                HostLog.PipelineError(_logger, x.Source, x.Message);
                break;
            case TurnEndedEvent { Intent: { Length: > 0 } intent } t:
                _runtime.Reporter.PublishIntent(new IntentReport { Name = intent, Text = t.Transcript, SessionId = t.SessionId, Timestamp = t.Timestamp });
                break;
        }

        if (ToReport(e) is { } report)
        {
            _runtime.Reporter.PublishSessionEvent(report);
        }
    }

    private void Report(Action action)
    {
        try
        {
            action();
        }
#pragma warning disable CA1031 // a reporting failure (outbox full, disk error) must not stop the event flow
        catch (Exception ex)
#pragma warning restore CA1031
        {
            HostLog.ReportFailed(_logger, ex);
        }
    }
}
