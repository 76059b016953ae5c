using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Tests.Hosting;

/// <summary>Records every log line (category, level, message, exception) of a host, for tests that check what users see.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly List<(string Category, LogLevel Level, string Message, Exception? Error)> _lines = [];

    public IReadOnlyList<(string Category, LogLevel Level, string Message, Exception? Error)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines)
            {
                owner._lines.Add((category, logLevel, formatter(state, exception), exception));
            }
        }
    }
}
