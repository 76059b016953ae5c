using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Whisper.net.Logger;

namespace VoiceAppliance.Models.Whisper;

/// <summary>
/// Routes whisper.cpp and ggml log lines to an <see cref="ILogger"/> instead of stderr, through Whisper.net's
/// <see cref="LogProvider"/> (AOT-clean: Whisper.net installs an <c>[UnmanagedCallersOnly]</c> callback with
/// <c>whisper_log_set</c>, which also sets <c>ggml_log_set</c>, and raises a managed event). The hook is
/// process-wide, so the logger is too: the last <see cref="Attach"/> wins. Error lines are also collected
/// while a native call runs so the exception it leads to can carry whisper.cpp's own words.
/// </summary>
/// <remarks>
/// whisper.cpp logs a line in pieces (continuations carry no newline until the end); Whisper.net hands the
/// pieces over one by one with the level of each piece (debug and continuation pieces as Info), so the pieces
/// are joined per thread and a line keeps the level of its first piece. Whisper.net's own managed messages
/// (its loader's, at Debug) are whole lines without a newline and are logged at once.
/// </remarks>
internal static partial class WhisperNativeLog
{
    private static readonly Lock s_gate = new();
    private static readonly AsyncLocal<StringBuilder?> s_errors = new();
    private static ILogger s_logger = NullLogger.Instance;
    private static IDisposable? s_registration;

    [ThreadStatic]
    private static StringBuilder? t_line;

    [ThreadStatic]
    private static WhisperLogLevel t_lineLevel;

    /// <summary>Sends native log lines to <paramref name="logger"/> from now on.</summary>
    internal static void Attach(ILogger? logger)
    {
        lock (s_gate)
        {
            s_logger = logger ?? NullLogger.Instance;
        }

        Install();
    }

    /// <summary>Subscribes to Whisper.net's log event once.</summary>
    internal static void Install()
    {
        lock (s_gate)
        {
            s_registration ??= LogProvider.AddLogger(OnLog);
        }
    }

    /// <summary>
    /// Starts collecting error lines logged by native calls made from this async flow (including the worker
    /// thread Whisper.net starts for a run, which inherits the flow); dispose the scope to stop.
    /// </summary>
    internal static ErrorScope CollectErrors()
    {
        var previous = s_errors.Value;
        var collector = new StringBuilder();
        s_errors.Value = collector;
        return new ErrorScope(collector, previous);
    }

    private static void OnLog(WhisperLogLevel level, string? message)
    {
        try
        {
            if (string.IsNullOrEmpty(message))
            {
                return;
            }

            if (level == WhisperLogLevel.Debug)
            {
                Write(level, message.TrimEnd());
                return;
            }

            var line = t_line ??= new StringBuilder();
            if (line.Length == 0)
            {
                t_lineLevel = level;
            }

            line.Append(message);
            if (!message.EndsWith('\n'))
            {
                return;
            }

            var complete = line.ToString().TrimEnd();
            line.Clear();
            Write(t_lineLevel, complete);
        }
#pragma warning disable CA1031 // An exception must not cross into native code.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static void Write(WhisperLogLevel level, string complete)
    {
        if (complete.Length == 0)
        {
            return;
        }

        if (level == WhisperLogLevel.Error && s_errors.Value is { } errors)
        {
            lock (errors)
            {
                errors.Append(complete).Append(' ');
            }
        }

        var logLevel = ToLevel(level);
        var logger = s_logger;
        if (logger.IsEnabled(logLevel))
        {
            Log(logger, logLevel, complete);
        }
    }

    private static LogLevel ToLevel(WhisperLogLevel level) => level switch
    {
        WhisperLogLevel.Error => LogLevel.Error,
        WhisperLogLevel.Warning => LogLevel.Warning,
        WhisperLogLevel.Info => LogLevel.Debug,
        _ => LogLevel.Trace,
    };

    [LoggerMessage(EventId = 5100, Message = "whisper.cpp: {NativeMessage}")]
    private static partial void Log(ILogger logger, LogLevel level, string nativeMessage);

    /// <summary>
    /// One collection of error lines. Hold on to it rather than reading the flow's current value later: an
    /// async iterator resumes in its caller's flow after a <c>yield</c>, where the collector is not set.
    /// </summary>
    internal sealed class ErrorScope(StringBuilder collector, StringBuilder? previous) : IDisposable
    {
        /// <summary>The error lines collected so far, joined, or null when none.</summary>
        public string? Text
        {
            get
            {
                lock (collector)
                {
                    return collector.Length > 0 ? collector.ToString().TrimEnd() : null;
                }
            }
        }

        /// <summary>Ends collection in this flow (restores the enclosing collector).</summary>
        public void Dispose() => s_errors.Value = previous;
    }
}
