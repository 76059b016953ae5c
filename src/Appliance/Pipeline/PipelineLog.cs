using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Pipeline;

/// <summary>The pipeline's log messages, in one place so the parts of the pipeline share their event ids.</summary>
internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Session {SessionId} started by {Trigger}")]
    public static partial void SessionStarted(ILogger logger, string sessionId, SessionTrigger trigger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Session {SessionId} ended: {Reason} after {DurationMs} ms")]
    public static partial void SessionEnded(ILogger logger, string sessionId, SessionEndReason reason, double durationMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "The {Stage} stage failed; the session ends with error and the pipeline returns to idle")]
    public static partial void StageFailed(ILogger logger, Exception exception, string stage);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "The microphone failed; reading again in {DelaySeconds} s")]
    public static partial void CaptureFailed(ILogger logger, Exception exception, double delaySeconds);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Watchdog: no progress while {State} for {Seconds} s; ending the session")]
    public static partial void Watchdog(ILogger logger, PipelineState state, double seconds);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Trigger {Trigger} ignored while {State}")]
    public static partial void TriggerIgnored(ILogger logger, SessionTrigger trigger, PipelineState state);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Barge-in in session {SessionId} after {HeardSeconds} s of the reply")]
    public static partial void BargeIn(ILogger logger, string sessionId, double heardSeconds);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Soft-fade: the speech stopped; the reply resumes in session {SessionId}")]
    public static partial void BargeInResumed(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "The microphone {Device} is unavailable ({Error}); the pipeline is in Error until it returns")]
    public static partial void MicrophoneLost(ILogger logger, string device, string error);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "The microphone {Device} is back; the pipeline returns to idle")]
    public static partial void MicrophoneBack(ILogger logger, string device);

    [LoggerMessage(EventId = 11, Level = LogLevel.Critical, Message = "The audio front end failed; the pipeline stops and the daemon exits with an error so systemd restarts it")]
    public static partial void FrontEndFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "Speculative transcription failed in session {SessionId}; the endpoint transcribes again")]
    public static partial void SpeculationFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug, Message = "Early endpoint in session {SessionId}: \"{Transcript}\" (confidence {Confidence}) is a complete command")]
    public static partial void EarlyEndpoint(ILogger logger, string sessionId, string transcript, float confidence);

    [LoggerMessage(EventId = 14, Level = LogLevel.Debug, Message = "Session {SessionId}: the user paused mid-command; the pause may last {Milliseconds} ms")]
    public static partial void PauseExtended(ILogger logger, string sessionId, double milliseconds);

    [LoggerMessage(EventId = 15, Level = LogLevel.Debug, Message = "Session {SessionId}: the guess's last word lies in the pause after \"{Spoken}\"; the pause's verdict: {Verdict}")]
    public static partial void ForcedLastWord(ILogger logger, string sessionId, string spoken, PauseVerdict verdict);

    [LoggerMessage(EventId = 18, Level = LogLevel.Debug, Message = "Session {SessionId}: the pause's guess \"{Transcript}\" (confidence {Confidence}, unfinished {Unfinished}) took {Milliseconds} ms; the pause's verdict: {Verdict}")]
    public static partial void PauseGuessJudged(ILogger logger, string sessionId, string transcript, float confidence, bool unfinished, double milliseconds, PauseVerdict verdict);

    [LoggerMessage(EventId = 19, Level = LogLevel.Debug, Message = "Session {SessionId}: the silence window ran out before the pause's guess was judged; the pause waits for it, up to {Milliseconds} ms")]
    public static partial void PauseHeldForGuess(ILogger logger, string sessionId, double milliseconds);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Wake word {Word} heard (score {Score}) while {State}")]
    public static partial void WakeWordHeard(ILogger logger, string word, float score, PipelineState state);

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, Message = "The wake word chain failed ({Count} failure(s) so far); it starts afresh on the next window")]
    public static partial void WakeWordFailed(ILogger logger, Exception exception, long count);

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Session {SessionId}: the realtime provider {Provider} failed ({Reason}, answer audio already played: {Played}); the session goes on with the local engines")]
    public static partial void RealtimeFellBack(ILogger logger, string sessionId, string provider, string reason, bool played);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Session {SessionId}: {Milliseconds} ms of the microphone streamed to {Provider} were dropped (the sender fell behind the ring)")]
    public static partial void RealtimeAudioDropped(ILogger logger, string sessionId, string provider, long milliseconds);
}
