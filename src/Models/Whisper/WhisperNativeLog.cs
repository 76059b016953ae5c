using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VoiceAppliance.Models.Whisper;

/// <summary>
/// Routes whisper.cpp and ggml log lines (<c>whisper_log_set</c>, which also sets <c>ggml_log_set</c>) to an
/// <see cref="ILogger"/> instead of stderr. The native hook is process-wide, so the logger is too: the last
/// <see cref="Attach"/> wins. Error lines are also collected per thread while a native call runs so the
/// exception it leads to can carry whisper.cpp's own words.
/// </summary>
internal static unsafe partial class WhisperNativeLog
{
    private static readonly object s_gate = new();
    private static ILogger s_logger = NullLogger.Instance;
    private static bool s_installed;

    [ThreadStatic]
    private static StringBuilder? t_errors;

    [ThreadStatic]
    private static StringBuilder? t_line;

    [ThreadStatic]
    private static int t_lineLevel;

    /// <summary>Sends native log lines to <paramref name="logger"/> from now on.</summary>
    internal static void Attach(ILogger? logger)
    {
        lock (s_gate)
        {
            s_logger = logger ?? NullLogger.Instance;
            if (!s_installed)
            {
                Interop.Whisper.whisper_log_set(&OnLog, IntPtr.Zero);
                s_installed = true;
            }
        }
    }

    /// <summary>Starts collecting error lines logged on this thread; dispose the scope to stop.</summary>
    internal static ErrorScope CollectErrors()
    {
        t_errors = new StringBuilder();
        return default;
    }

    /// <summary>The error lines collected on this thread so far, joined, or null when none.</summary>
    internal static string? CollectedErrors => t_errors is { Length: > 0 } sb ? sb.ToString().TrimEnd() : null;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(int level, byte* text, IntPtr userData)
    {
        try
        {
            var message = Marshal.PtrToStringUTF8((IntPtr)text) ?? string.Empty;
            var line = t_line ??= new StringBuilder();
            if (level != Interop.Whisper.LogLevelCont)
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
            if (complete.Length == 0)
            {
                return;
            }

            if (t_lineLevel == Interop.Whisper.LogLevelError)
            {
                t_errors?.Append(complete).Append(' ');
            }

            var logLevel = ToLevel(t_lineLevel);
            var logger = s_logger;
            if (logger.IsEnabled(logLevel))
            {
                Log(logger, logLevel, complete);
            }
        }
#pragma warning disable CA1031 // An exception must not cross into native code.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static LogLevel ToLevel(int level) => level switch
    {
        Interop.Whisper.LogLevelError => LogLevel.Error,
        Interop.Whisper.LogLevelWarn => LogLevel.Warning,
        Interop.Whisper.LogLevelInfo => LogLevel.Debug,
        _ => LogLevel.Trace,
    };

    [LoggerMessage(EventId = 5100, Message = "whisper.cpp: {NativeMessage}")]
    private static partial void Log(ILogger logger, LogLevel level, string nativeMessage);

    /// <summary>Ends error collection on this thread.</summary>
    internal readonly struct ErrorScope : IDisposable
    {
        public void Dispose() => t_errors = null;
    }
}
