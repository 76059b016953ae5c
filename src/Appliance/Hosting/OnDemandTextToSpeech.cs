using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Models;

namespace VoiceAppliance.Hosting;

/// <summary>
/// A voice that is in memory only while it is wanted (<c>Models:TtsResidency = on-demand</c>). It starts with a loaded
/// engine; once nothing has used it for the unload delay (no synthesis running, no <see cref="WarmUp"/>), it disposes
/// the engine and gives the native heap back. <see cref="WarmUp"/> (called when a session starts) loads it again on a
/// worker while the user is still speaking; a synthesis waits for that load (or starts one). A failed load is reported
/// to the synthesis that waits for it, and the next use tries again.
/// </summary>
public sealed class OnDemandTextToSpeech : ITextToSpeech, IEngineWarmUp, IDisposable
{
    private readonly Func<ITextToSpeech> _load;
    private readonly TimeSpan _unloadAfter;
    private readonly TimeProvider _time;
    private readonly Action _afterUnload;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private Task<ITextToSpeech>? _engine;
    private int _users;
    private long _lastUse;
    private int _loads;
    private int _unloads;
    private bool _disposed;

    /// <summary>Wraps <paramref name="loaded"/>; <paramref name="load"/> loads the same voice again after an unload.</summary>
    /// <param name="loaded">The engine as loaded at start; its name and rate are this voice's.</param>
    /// <param name="load">Loads the engine again (on a worker thread); the result must be <see cref="IDisposable"/> to free anything.</param>
    /// <param name="unloadAfter">Idle time before the engine is unloaded.</param>
    /// <param name="time">The clock and its timers.</param>
    /// <param name="afterUnload">Called after an unload (the host trims the native heap).</param>
    /// <param name="logger">One line per load and unload.</param>
    public OnDemandTextToSpeech(ITextToSpeech loaded, Func<ITextToSpeech> load, TimeSpan unloadAfter, TimeProvider time, Action afterUnload, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(afterUnload);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(unloadAfter, TimeSpan.Zero);
        Name = loaded.Name;
        SampleRate = loaded.SampleRate;
        _load = load;
        _unloadAfter = unloadAfter;
        _time = time;
        _afterUnload = afterUnload;
        _logger = logger;
        _engine = Task.FromResult(loaded);
        _lastUse = time.GetTimestamp();
        _timer = time.CreateTimer(static s => ((OnDemandTextToSpeech)s!).OnTimer(), this, unloadAfter, Timeout.InfiniteTimeSpan);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int SampleRate { get; }

    /// <summary>True while an engine is loaded or loading.</summary>
    public bool IsLoaded
    {
        get
        {
            lock (_gate)
            {
                return _engine is not null;
            }
        }
    }

    /// <summary>Loads started after the first (for tests and the log).</summary>
    public int Loads => Volatile.Read(ref _loads);

    /// <summary>Unloads so far.</summary>
    public int Unloads => Volatile.Read(ref _unloads);

    /// <inheritdoc/>
    public void WarmUp()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _ = EnsureLoadingLocked();
            TouchLocked();
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Task<ITextToSpeech> loading;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            loading = EnsureLoadingLocked();
            _users++;
        }

        try
        {
            var engine = await loading.WaitAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var chunk in engine.SynthesizeAsync(text, options, cancellationToken).ConfigureAwait(false))
            {
                yield return chunk;
            }
        }
        finally
        {
            lock (_gate)
            {
                _users--;
                TouchLocked();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Task<ITextToSpeech>? engine;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            engine = _engine;
            _engine = null;
        }

        _timer.Dispose();
        Release(engine);
    }

    private static void Release(Task<ITextToSpeech>? engine)
    {
        if (engine is null)
        {
            return;
        }

        if (engine.IsCompleted)
        {
            if (engine.IsCompletedSuccessfully)
            {
                (engine.Result as IDisposable)?.Dispose();
            }

            return;
        }

        // Still loading: free it when the load ends.
        _ = engine.ContinueWith(static t => (t.Result as IDisposable)?.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private Task<ITextToSpeech> EnsureLoadingLocked()
    {
        if (_engine is { IsFaulted: false, IsCanceled: false } current)
        {
            return current;
        }

        _loads++;
        var load = _load;
        var logger = _logger;
        var name = Name;
        _engine = Task.Run(() =>
        {
            var started = TimeProvider.System.GetTimestamp();
            try
            {
                var engine = load();
                var elapsed = TimeProvider.System.GetElapsedTime(started);
                HostLog.VoiceLoaded(logger, name, elapsed.TotalMilliseconds);
                return engine;
            }
            catch (Exception ex)
            {
                HostLog.VoiceLoadFailed(logger, name, ex.Message);
                throw;
            }
        });
        return _engine;
    }

    private void TouchLocked()
    {
        _lastUse = _time.GetTimestamp();
        if (!_disposed)
        {
            _ = _timer.Change(_unloadAfter, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        Task<ITextToSpeech>? unload = null;
        lock (_gate)
        {
            if (_disposed || _engine is null)
            {
                return;
            }

            var idle = _time.GetElapsedTime(_lastUse);
            if (_users > 0 || !_engine.IsCompleted || idle < _unloadAfter)
            {
                // In use, still loading, or touched since the timer was set: look again later.
                _ = _timer.Change(_users > 0 || !_engine.IsCompleted ? _unloadAfter : _unloadAfter - idle, Timeout.InfiniteTimeSpan);
                return;
            }

            unload = _engine;
            _engine = null;
            _unloads++;
        }

        Release(unload);
        HostLog.VoiceUnloaded(_logger, Name);
        _afterUnload();
    }
}
