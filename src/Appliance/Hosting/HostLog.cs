using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Hosting;

/// <summary>The daemon's log lines (journal via the console).</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "Ready: capture '{Capture}', playback '{Playback}', STT {Stt}, voice {Tts}, workflow {Workflow}, MQTT {Mqtt}")]
    public static partial void Ready(ILogger logger, string capture, string playback, string stt, string tts, string workflow, string mqtt);

    [LoggerMessage(EventId = 901, Level = LogLevel.Information, Message = "Stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 902, Level = LogLevel.Warning, Message = "The microphone ended; stopping the daemon so systemd restarts it")]
    public static partial void CaptureEnded(ILogger logger);

    [LoggerMessage(EventId = 903, Level = LogLevel.Error, Message = "The pipeline's audio loop failed; stopping the daemon so systemd restarts it")]
    public static partial void PipelineFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 904, Level = LogLevel.Warning, Message = "Unhealthy (capture or pipeline stalled): systemd watchdog pings withheld")]
    public static partial void Unhealthy(ILogger logger);

    [LoggerMessage(EventId = 905, Level = LogLevel.Information, Message = "Session {SessionId} ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, string? sessionId, VoiceAppliance.Pipeline.SessionEndReason reason);

    [LoggerMessage(EventId = 906, Level = LogLevel.Warning, Message = "Pipeline error in {Source}: {Message}")]
    public static partial void PipelineError(ILogger logger, string source, string message);

    [LoggerMessage(EventId = 907, Level = LogLevel.Debug, Message = "Button {Command}")]
    public static partial void Button(ILogger logger, VoiceAppliance.Device.Button.ButtonCommand command);

    [LoggerMessage(EventId = 908, Level = LogLevel.Information, Message = "systemd watchdog every {Interval}")]
    public static partial void Watchdog(ILogger logger, TimeSpan interval);

    [LoggerMessage(EventId = 909, Level = LogLevel.Warning, Message = "Reporting an event failed; the pipeline goes on")]
    public static partial void ReportFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 930, Level = LogLevel.Information, Message = "Voice {Voice} loaded in {Milliseconds:0} ms")]
    public static partial void VoiceLoaded(ILogger logger, string voice, double milliseconds);

    [LoggerMessage(EventId = 931, Level = LogLevel.Error, Message = "Voice {Voice} could not be loaded: {Reason}")]
    public static partial void VoiceLoadFailed(ILogger logger, string voice, string reason);

    [LoggerMessage(EventId = 932, Level = LogLevel.Information, Message = "Voice {Voice} unloaded while idle (Models:TtsResidency = on-demand); the next session loads it again")]
    public static partial void VoiceUnloaded(ILogger logger, string voice);

    [LoggerMessage(EventId = 933, Level = LogLevel.Debug, Message = "{Line}")]
    public static partial void LibasoundMessage(ILogger logger, string line);
}
