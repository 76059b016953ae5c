using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// The microphone over ALSA: a dedicated thread blocks in <c>snd_pcm_readi</c>, converts the interleaved
/// integer frames to float (gain), makes them mono (channel select / downmix / list), removes DC,
/// resamples to 16 kHz and writes the result into a lock-free ring buffer that <see cref="ReadAsync"/>
/// drains. Xruns and suspends are recovered in place; a device that goes away is reopened with capped
/// exponential backoff, reported through <see cref="DeviceEvent"/>; nothing here crashes the process.
/// Steady state allocates nothing.
/// </summary>
public sealed partial class AlsaCapture : IBlockingAudioCapture
{
    private const int EAGAIN = 11;
    private const int EINTR = 4;
    private const int EPIPE = 32;
    private const int ESTRPIPE = 86;

    private readonly AlsaCaptureOptions _options;
    private readonly AlsaPcmSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SpscRingBuffer _ring;
    private readonly AudioSignal _dataSignal = new();
    private readonly ManualResetEventSlim _dataReady = new(false, spinCount: 0); // the blocking reader's wake-up
    private int _wantedSamples; // what the blocking reader waits for: the capture thread wakes it only when that is ready
    private readonly ManualResetEventSlim _stop = new(false, spinCount: 0); // pacing sleeps on it: block, do not spin
    private readonly float[] _weights;
    private readonly PolyphaseResampler? _resampler;
    private readonly DcBlocker? _dc;
    private Thread? _thread;
    private AlsaPcm? _pcm;
    private byte[] _raw = [];
    private float[] _interleaved = [];
    private float[] _mono = [];
    private float[] _resampled = [];
    private long _framesCaptured;
    private long _xruns;
    private long _reopens;
    private int _injectedError;
    private int _persistentError;
    private volatile bool _ended;
    private bool _awaitingData;
    private int _failedReopens;
    private Exception? _failure;
    private float _rms;
    private float _peak;

    /// <summary>Creates the capture; call <see cref="Start"/> to open the device and start the thread.</summary>
    public AlsaCapture(AlsaCaptureOptions options, ILogger<AlsaCapture>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _settings = options.ToPcmSettings();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        if (options.OutputRate is < 8000 or > 48000)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.OutputRate, "output rate must be 8000-48000 Hz (the VAD wants 16000)");
        }

        if (options.Gain is <= 0 or > 1000 || float.IsNaN(options.Gain))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Gain, "gain must be above 0 and at most 1000 (1 = unchanged)");
        }

        Selection = options.Selection ?? options.Profile.DefaultSelection;
        _weights = Selection.Weights(_settings.Channels);
        _ring = new SpscRingBuffer((int)Math.Max(1024, options.RingSeconds * options.OutputRate));
        _resampler = _settings.SampleRate == options.OutputRate ? null : new PolyphaseResampler(_settings.SampleRate, options.OutputRate);
        _dc = options.RemoveDc ? new DcBlocker(_settings.SampleRate) : null;
    }

    /// <summary>Raised on the capture thread when the device opens, recovers, is lost or comes back.</summary>
    public event EventHandler<AudioDeviceEventArgs>? DeviceEvent;

    /// <inheritdoc />
    public int SampleRate => _options.OutputRate;

    /// <inheritdoc />
    public long DroppedSamples => _ring.DroppedSamples;

    /// <summary>The channel selection in use.</summary>
    public ChannelSelection Selection { get; }

    /// <summary>What the device accepted at the last (re)open, or null while it is closed.</summary>
    public AlsaPcmParameters? Accepted => Volatile.Read(ref _pcm)?.Accepted;

    /// <summary>Device frames captured since start.</summary>
    public long FramesCaptured => Interlocked.Read(ref _framesCaptured);

    /// <summary>Xruns and suspends recovered in place.</summary>
    public long Xruns => Interlocked.Read(ref _xruns);

    /// <summary>Successful reopens after the device was lost.</summary>
    public long Reopens => Interlocked.Read(ref _reopens);

    /// <summary>Samples waiting in the ring buffer.</summary>
    public int BufferedSamples => _ring.Count;

    /// <summary>RMS of the last period (after gain and DC removal), for LEDs and a level meter.</summary>
    public float Rms => Volatile.Read(ref _rms);

    /// <summary>Peak of the last period.</summary>
    public float Peak => Volatile.Read(ref _peak);

    /// <summary>True once the capture has ended (<see cref="AlsaCaptureOptions.MaxFrames"/> reached or disposed).</summary>
    public bool HasEnded => _ended;

    /// <summary>
    /// Opens the device and starts the capture thread. A device that cannot be opened now is not an error:
    /// the thread keeps trying with backoff and raises <see cref="DeviceEvent"/> (configuration mistakes
    /// show up there and in the log, with ALSA's text and the device name).
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_stop.IsSet, this);
        if (_thread is not null)
        {
            return;
        }

        _thread = new Thread(Run)
        {
            IsBackground = true,
            Name = "alsa-capture",
        };
        _thread.Start();
    }

    /// <inheritdoc />
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Copies up to <paramref name="destination"/>.Length samples that are ready, without waiting.</summary>
    public int TryRead(Span<float> destination) => _ring.Read(destination);

    /// <inheritdoc />
    public bool WaitForSamples(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _time.GetTimestamp();
        while (true)
        {
            if (_ring.Count >= count || _ended)
            {
                return true;
            }

            // Announce the wait before the re-check (full fences on both sides: the capture thread publishes samples,
            // then reads this), so a period that completes the count in between still sets the event.
            Interlocked.Exchange(ref _wantedSamples, count);
            _dataReady.Reset();
            if (_ring.Count >= count || _ended)
            {
                return true; // arrived between the check and the reset
            }

            var left = timeout - _time.GetElapsedTime(deadline);
            if (left <= TimeSpan.Zero || !_dataReady.Wait(left, cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                return _ring.Count >= count || _ended;
            }
        }
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (true)
        {
            filled += _ring.Read(destination.Span[filled..]);
            if (filled == destination.Length)
            {
                return true;
            }

            if (_ended && _ring.Count == 0)
            {
                if (filled == 0)
                {
                    return false;
                }

                destination.Span[filled..].Clear(); // the last, partial window: pad with silence
                return true;
            }

            await _dataSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Test seam for what a <c>type file</c> PCM cannot do: the next read reports <paramref name="negativeErrno"/>
    /// as if <c>snd_pcm_readi</c> had returned it (-32 xrun, -86 suspend, -19 device gone). Recovery then runs
    /// on the real PCM.
    /// </summary>
    internal void InjectReadError(int negativeErrno) => Volatile.Write(ref _injectedError, negativeErrno);

    /// <summary>Test seam: every read fails with <paramref name="negativeErrno"/> (0 stops it): a device that opens but never delivers.</summary>
    internal void InjectPersistentReadError(int negativeErrno) => Volatile.Write(ref _persistentError, negativeErrno);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsSet)
        {
            return;
        }

        _stop.Set();
        var thread = _thread;
        if (thread is not null)
        {
            await Task.Run(() => thread.Join(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }

        _ended = true;
        _dataSignal.Set();
        _dataReady.Set();
        Volatile.Read(ref _pcm)?.Dispose();
        _stop.Dispose();
    }

    private void Run()
    {
        RealTimeScheduling.ApplyToCurrentThread(_options.RealTimePriority, "alsa-capture", _logger);
        var backoff = new ReopenBackoff(_options.ReopenInitialDelay, _options.ReopenMaxDelay);
        var everOpened = false;
        long startTimestamp = 0;
        long pacedFrames = 0;
        try
        {
            while (!_stop.IsSet)
            {
                if (_pcm is null)
                {
                    if (!TryOpen(ref backoff, everOpened))
                    {
                        continue;
                    }

                    everOpened = true;
                    startTimestamp = _time.GetTimestamp();
                    pacedFrames = 0;
                }

                var pcm = _pcm!;
                var frames = pcm.Accepted.PeriodFrames;
                if (_options.MaxFrames is { } max)
                {
                    var left = max - _framesCaptured;
                    if (left <= 0)
                    {
                        break;
                    }

                    frames = (int)Math.Min(frames, left);
                }

                var injected = Interlocked.Exchange(ref _injectedError, 0);
                injected = injected != 0 ? injected : Volatile.Read(ref _persistentError);
                var rc = injected != 0 ? injected : pcm.Read(_raw, frames);
                if (rc < 0)
                {
                    if (HandleError(pcm, rc, quiet: _awaitingData) && _awaitingData)
                    {
                        // Reopened, but it failed again before delivering anything: back off before the next
                        // reopen (a device that opens but fails every read is not reopened in a tight loop).
                        _failedReopens++;
                        var delay = backoff.Next();
                        Raise(new AudioDeviceEventArgs(AudioDeviceEventKind.ReopenFailed, _options.Device, pcm.Error(rc, "snd_pcm_readi"), backoff.Attempt, delay));
                        _stop.Wait(delay);
                    }

                    continue;
                }

                if (rc == 0)
                {
                    continue;
                }

                Process(rc);
                if (_awaitingData)
                {
                    // Audio flows again: now it is back (not merely open).
                    _awaitingData = false;
                    Interlocked.Increment(ref _reopens);
                    LogReopened(_logger, _options.Device, backoff.Attempt, _failedReopens);
                    Raise(new AudioDeviceEventArgs(AudioDeviceEventKind.Reopened, _options.Device, attempt: backoff.Attempt));
                    backoff.Reset();
                    _failedReopens = 0;
                }
                Interlocked.Add(ref _framesCaptured, rc);
                if (_options.PaceInRealTime)
                {
                    pacedFrames += rc;
                    var due = TimeSpan.FromSeconds((double)pacedFrames / pcm.Accepted.SampleRate / _options.PaceSpeed);
                    var wait = due - _time.GetElapsedTime(startTimestamp);
                    if (wait > TimeSpan.Zero)
                    {
                        _stop.Wait(wait);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCaptureFailed(_logger, _options.Device, ex);
            Volatile.Write(ref _failure, ex);
        }
        finally
        {
            _ended = true;
            _dataSignal.Set();
            _dataReady.Set();
        }
    }

    private bool TryOpen(ref ReopenBackoff backoff, bool everOpened)
    {
        try
        {
            var pcm = AlsaPcm.Open(_options.Device, AlsaStreamDirection.Capture, _settings, _options.ConfigurationFile);

            Allocate(pcm.Accepted);
            Volatile.Write(ref _pcm, pcm);
            if (everOpened)
            {
                _awaitingData = true; // reported as reopened once it delivers audio
            }
            else
            {
                var a = pcm.Accepted;
                LogOpened(_logger, _options.Device, a.Format, a.SampleRate, a.Channels, a.PeriodFrames, a.BufferFrames);
                Raise(new AudioDeviceEventArgs(AudioDeviceEventKind.Opened, _options.Device));
                backoff.Reset();
            }

            return true;
        }
        catch (Exception ex) when (ex is AlsaException or IOException or UnauthorizedAccessException)
        {
            var error = ex as AlsaException ?? new AlsaException($"ALSA device '{_options.Device}': {ex.Message}", ex);
            var delay = backoff.Next();
            if (backoff.Attempt == 1)
            {
                LogOpenFailed(_logger, _options.Device, error.Message, delay);
            }
            else
            {
                LogOpenRetry(_logger, _options.Device, backoff.Attempt, error.Message);
            }

            Raise(new AudioDeviceEventArgs(AudioDeviceEventKind.ReopenFailed, _options.Device, error, backoff.Attempt, delay));
            _stop.Wait(delay);
            return false;
        }
    }

    private void Allocate(AlsaPcmParameters accepted)
    {
        // Once per open, never per period.
        var frames = accepted.PeriodFrames;
        if (_raw.Length < frames * accepted.FrameBytes)
        {
            _raw = GC.AllocateArray<byte>(frames * accepted.FrameBytes, pinned: true);
            _interleaved = new float[frames * accepted.Channels];
            _mono = new float[frames];
            _resampled = new float[_resampler?.MaxOutput(frames) ?? frames];
        }
    }

    /// <summary>Recovers an xrun in place (false), or closes a lost device (true). <paramref name="quiet"/>: already reported in this outage.</summary>
    private bool HandleError(AlsaPcm pcm, int rc, bool quiet)
    {
        if (rc is -EAGAIN)
        {
            return false;
        }

        if (rc is -EPIPE or -ESTRPIPE or -EINTR)
        {
            var recovered = pcm.Recover(rc);
            if (recovered >= 0)
            {
                Interlocked.Increment(ref _xruns);
                LogRecovered(_logger, _options.Device, rc);
                Raise(new AudioDeviceEventArgs(AudioDeviceEventKind.Recovered, _options.Device, pcm.Error(rc, "snd_pcm_readi")));
                return false;
            }

            rc = recovered;
        }

        var error = pcm.Error(rc, "snd_pcm_readi");
        Volatile.Write(ref _pcm, null);
        pcm.Dispose();
        if (quiet)
        {
            LogLostAgain(_logger, _options.Device, error.Message);
            return true;
        }

        LogLost(_logger, _options.Device, error.Message);
        Raise(new AudioDeviceEventArgs(AudioDeviceEventKind.Lost, _options.Device, error));
        return true;
    }

    private void Process(int frames)
    {
        var a = _pcm!.Accepted;
        var samples = frames * a.Channels;
        SampleConverter.ToFloat(a.Format, _raw.AsSpan(0, samples * AlsaPcm.BytesPerSample(a.Format)), _interleaved.AsSpan(0, samples), _options.Gain);
        var mono = _mono.AsSpan(0, frames);
        ChannelMixer.Mix(_interleaved.AsSpan(0, samples), a.Channels, _weights, mono);
        _dc?.Process(mono);
        Volatile.Write(ref _rms, AudioLevels.Rms(mono));
        Volatile.Write(ref _peak, AudioLevels.Peak(mono));
        if (_resampler is null)
        {
            _ring.Write(mono);
        }
        else
        {
            var n = _resampler.Process(mono, _resampled);
            _ring.Write(_resampled.AsSpan(0, n));
        }

        _dataSignal.Set();

        // Wake the blocking reader once per window it asked for, not once per period (with periods shorter than the
        // window, e.g. 20 ms against a 512-sample window, 31 wake-ups a second instead of 50 while idle).
        Interlocked.MemoryBarrier();
        if (_ring.Count >= Volatile.Read(ref _wantedSamples))
        {
            _dataReady.Set();
        }
    }

    private void Raise(AudioDeviceEventArgs e)
    {
        try
        {
            DeviceEvent?.Invoke(this, e);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogHandlerFailed(_logger, _options.Device, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Capture device {Device} open: {Format} {Rate} Hz {Channels} ch, period {Period}, buffer {Buffer} frames")]
    private static partial void LogOpened(ILogger logger, string device, AlsaSampleFormat format, int rate, int channels, int period, int buffer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Capture device {Device} cannot be opened ({Error}); retrying in {Delay}, quietly")]
    private static partial void LogOpenFailed(ILogger logger, string device, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Capture device {Device}: reopen attempt {Attempt} failed: {Error}")]
    private static partial void LogOpenRetry(ILogger logger, string device, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Capture device {Device} is back after {Attempts} failed attempts ({FailedReopens} reopens that failed before delivering audio)")]
    private static partial void LogReopened(ILogger logger, string device, int attempts, int failedReopens);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Capture device {Device} failed again right after reopening: {Error}; backing off")]
    private static partial void LogLostAgain(ILogger logger, string device, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Capture device {Device}: recovered from error {Error} in place")]
    private static partial void LogRecovered(ILogger logger, string device, int error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Capture device {Device} lost: {Error}; reopening with backoff")]
    private static partial void LogLost(ILogger logger, string device, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Capture thread for {Device} stopped on an unexpected error")]
    private static partial void LogCaptureFailed(ILogger logger, string device, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A DeviceEvent handler for {Device} threw; the capture goes on")]
    private static partial void LogHandlerFailed(ILogger logger, string device, Exception exception);
}
