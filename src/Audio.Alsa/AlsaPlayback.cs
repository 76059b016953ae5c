using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// The speaker over ALSA. <see cref="WriteAsync"/> resamples any source rate to the device rate (streaming,
/// per rate) into a lock-free queue; a dedicated thread applies volume and fades, converts to S16 and
/// writes to the PCM. <see cref="StopImmediately"/> drops queued and device audio (<c>snd_pcm_drop</c>) for
/// barge-in; <see cref="PlayedPosition"/> counts what has left the device (written minus <c>snd_pcm_delay</c>).
/// </summary>
public sealed partial class AlsaPlayback : IAudioPlayback
{
    private const int EAGAIN = 11;
    private const int EINTR = 4;
    private const int EPIPE = 32;
    private const int ESTRPIPE = 86;
    private const int ChunkInput = 1024;
    private const int StatePrepared = 2;

    private readonly AlsaPlaybackOptions _options;
    private readonly AlsaPcmSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SpscRingBuffer _queue;
    private readonly AudioSignal _spaceSignal = new();
    private readonly AudioBroadcast _idleSignal = new(); // drain and fade may wait at once (barge-in during a drain)
    private static readonly TimeSpan s_idleWait = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _work = new(0, int.MaxValue);
    private readonly ManualResetEventSlim _stop = new(false, spinCount: 0); // pacing sleeps on it: block, do not spin
    private readonly Dictionary<int, PolyphaseResampler> _resamplers = [];
    private readonly float[] _resampled;
    private readonly Thread _thread;
    private PolyphaseResampler? _lastResampler;
    private static readonly float[] s_zeros = new float[64];
    private readonly AlsaMixer? _mixer;
    private AlsaPcm? _pcm;
    private float[] _block = [];
    private float[] _interleaved = [];
    private byte[] _bytes = [];
    private int _volume;
    private float _gain;
    private long _framesWritten;
    private long _framesHeard;
    private long _underruns;
    private int _stopRequests;
    private int _stopsHandled; // written by the playback thread once a stop's drop is done
    private volatile bool _threadEnded;
    private int _resamplersStale;
    private long _fadeFramesRequested;
    private float _fadeGain = 1f;
    private float _fadeStep;
    private volatile bool _fading;
    private volatile bool _busy;
    private volatile bool _deviceMissing;

    /// <summary>Creates the playback and starts its thread; the device opens on first use and reopens after loss.</summary>
    public AlsaPlayback(AlsaPlaybackOptions options, ILogger<AlsaPlayback>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Channels is < 1 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Channels, "playback channels must be 1 or 2");
        }

        _options = options;
        _settings = new AlsaPcmSettings
        {
            Format = AlsaSampleFormat.S16LE,
            SampleRate = options.SampleRate,
            Channels = options.Channels,
            PeriodFrames = options.PeriodFrames ?? Math.Max(64, options.SampleRate / 50),
            Periods = options.Periods,
        };
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _queue = new SpscRingBuffer((int)Math.Max(4096, options.QueueSeconds * options.SampleRate));
        _resampled = new float[(ChunkInput * 48) + 16]; // enough for 8 kHz -> 384 kHz
        if (options.MixerCard is { } card)
        {
            _mixer = AlsaMixer.TryOpen(card, options.MixerControls);
        }

        Volume = options.Volume;
        _thread = new Thread(Run) { IsBackground = true, Name = "alsa-playback" };
        _thread.Start();
    }

    /// <summary>Raised on the playback thread when the device opens, recovers, is lost or comes back.</summary>
    public event EventHandler<AudioDeviceEventArgs>? DeviceEvent;

    /// <summary>The device rate.</summary>
    public int SampleRate => _options.SampleRate;

    /// <summary>True when <see cref="Volume"/> drives a hardware mixer control.</summary>
    public bool HasHardwareVolume => _mixer is not null;

    /// <summary>
    /// True after an open failed and until a reopen succeeds. Audio written meanwhile is discarded at once
    /// (nobody can hear it), so writers never wait out the reopen backoff.
    /// </summary>
    public bool DeviceMissing => _deviceMissing;

    /// <summary>Underruns recovered in place.</summary>
    public long Underruns => Interlocked.Read(ref _underruns);

    /// <summary>Device-rate frames written to the PCM since the last stop.</summary>
    public long FramesWritten => Interlocked.Read(ref _framesWritten);

    /// <inheritdoc />
    /// <remarks>
    /// Software volume follows a squared law (50 is about -12 dB), which sounds even across the range. With
    /// a hardware control (<see cref="AlsaPlaybackOptions.MixerCard"/>) the control is set instead and the
    /// software gain stays 1.
    /// </remarks>
    public int Volume
    {
        get => Volatile.Read(ref _volume);
        set
        {
            var v = Math.Clamp(value, 0, 100);
            Volatile.Write(ref _volume, v);
            if (_mixer is not null && _mixer.TrySetVolume(v))
            {
                Volatile.Write(ref _gain, 1f);
            }
            else
            {
                var g = v / 100f;
                Volatile.Write(ref _gain, g * g);
            }
        }
    }

    /// <inheritdoc />
    public TimeSpan PlayedPosition => TimeSpan.FromSeconds((double)Interlocked.Read(ref _framesHeard) / _options.SampleRate);

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(ReadOnlyMemory<float> samples, int sampleRate, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stop.IsSet, this);
        if (sampleRate is < 4000 or > 384000)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "source sample rate must be 4000-384000 Hz");
        }

        if (Interlocked.Exchange(ref _resamplersStale, 0) != 0)
        {
            foreach (var r in _resamplers.Values)
            {
                r.Reset();
            }
        }

        await WaitForPendingStopAsync(cancellationToken).ConfigureAwait(false);
        var resampler = ResamplerFor(sampleRate);
        var generation = Volatile.Read(ref _stopRequests);
        _busy = true;
        var offset = 0;
        while (offset < samples.Length)
        {
            // StopImmediately (barge-in) drops this write too: enqueue nothing more of it, even before the
            // caller's (possibly linked, so asynchronously cancelled) token says so.
            cancellationToken.ThrowIfCancellationRequested();
            if (Volatile.Read(ref _stopRequests) != generation)
            {
                return;
            }

            var piece = Math.Min(ChunkInput, samples.Length - offset);
            int produced;
            if (resampler is null)
            {
                produced = piece;
                samples.Span.Slice(offset, piece).CopyTo(_resampled);
            }
            else
            {
                produced = resampler.Process(samples.Span.Slice(offset, piece), _resampled);
            }

            await EnqueueAsync(produced, cancellationToken).ConfigureAwait(false);
            offset += piece;
        }
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stop.IsSet, this);
        if (_lastResampler is { } r)
        {
            // Push the filter's tail out (its delay line holds the last few milliseconds).
            var left = r.TapsPerPhase;
            while (left > 0)
            {
                var n = Math.Min(left, s_zeros.Length);
                var produced = r.Process(s_zeros.AsSpan(0, n), _resampled);
                left -= n;
                await EnqueueAsync(produced, cancellationToken).ConfigureAwait(false);
            }

            r.Reset();
        }

        _work.Release();
        while (true)
        {
            var idle = _idleSignal.Next(); // before the check, so a change between the two is not missed
            if (!((_queue.Count > 0 || _busy) && !_deviceMissing))
            {
                return;
            }

            await idle.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask FadeOutAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stop.IsSet, this);
        if (_queue.Count == 0 && !_busy)
        {
            return;
        }

        Interlocked.Exchange(ref _fadeFramesRequested, Math.Max(1, (long)(duration.TotalSeconds * _options.SampleRate)));
        _fading = true;
        _work.Release();
        while (true)
        {
            var idle = _idleSignal.Next();
            if (!((_fading || _queue.Count > 0 || _busy) && !_deviceMissing))
            {
                return;
            }

            await idle.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void StopImmediately()
    {
        Interlocked.Increment(ref _stopRequests);
        Interlocked.Exchange(ref _resamplersStale, 1);
        _work.Release();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsSet)
        {
            return;
        }

        _stop.Set();
        _work.Release();
        await Task.Run(() => _thread.Join(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        _pcm?.Dispose();
        _mixer?.Dispose();
        _idleSignal.Set();
        _spaceSignal.Set();
        _stop.Dispose();
        _work.Dispose();
    }

    /// <summary>
    /// A write that follows <see cref="StopImmediately"/> waits until the playback thread has dropped what was queued
    /// before the stop; otherwise that drop would also take the new audio (a <c>say</c> right after a <c>stop</c>).
    /// </summary>
    private async ValueTask WaitForPendingStopAsync(CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _stopsHandled) != Volatile.Read(ref _stopRequests) && !_deviceMissing && !_threadEnded)
        {
            var changed = _idleSignal.Next(); // taken before the re-check, so the playback thread's Set is not missed
            if (Volatile.Read(ref _stopsHandled) == Volatile.Read(ref _stopRequests) || _deviceMissing || _threadEnded)
            {
                return;
            }

            _work.Release();
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private PolyphaseResampler? ResamplerFor(int sampleRate)
    {
        if (sampleRate == _options.SampleRate)
        {
            _lastResampler = null;
            return null;
        }

        if (!_resamplers.TryGetValue(sampleRate, out var r))
        {
            r = new PolyphaseResampler(sampleRate, _options.SampleRate); // once per source rate
            _resamplers[sampleRate] = r;
        }

        _lastResampler = r;
        return r;
    }

    private async ValueTask EnqueueAsync(int count, CancellationToken cancellationToken)
    {
        var offset = 0;
        while (offset < count)
        {
            if (_deviceMissing)
            {
                return; // no speaker: nobody can hear it, and a writer must not wait out the reopen backoff
            }

            var free = _queue.Capacity - _queue.Count;
            if (free == 0)
            {
                await _spaceSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var n = Math.Min(free, count - offset);
            _busy = true;
            _queue.Write(_resampled.AsSpan(offset, n));
            offset += n;
            _work.Release();
        }
    }

    private void Run()
    {
        RealTimeScheduling.ApplyToCurrentThread(_options.RealTimePriority, "alsa-playback", _logger);
        var backoff = new ReopenBackoff(_options.ReopenInitialDelay, _options.ReopenMaxDelay);
        var everOpened = false;
        var stopsHandled = 0;
        long paceStart = 0;
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
                }

                var stops = Volatile.Read(ref _stopRequests);
                if (stops != stopsHandled)
                {
                    stopsHandled = stops;
                    DropEverything();
                    Volatile.Write(ref _stopsHandled, stops);
                    _idleSignal.Set();
                    pacedFrames = 0;
                    continue;
                }

                var period = _pcm!.Accepted.PeriodFrames;
                var n = _queue.Read(_block.AsSpan(0, period));
                if (n == 0)
                {
                    UpdateHeard();
                    if (_pcm.State == StatePrepared && Interlocked.Read(ref _framesWritten) > 0)
                    {
                        _ = Interop.Alsa.snd_pcm_start(PcmHandle(_pcm)); // less than a start threshold queued: play it
                    }

                    var draining = _pcm.Delay() > 0;
                    if (!draining || _options.PaceInRealTime)
                    {
                        _busy = false;
                        _fading = false;
                        _idleSignal.Set();
                        pacedFrames = 0;
                    }

                    _spaceSignal.Set();

                    // Draining: look again soon (heard position, idle). Idle: every enqueue, stop and disposal
                    // releases _work, so sleep until then; the long timeout only bounds a missed release.
                    _work.Wait(draining ? TimeSpan.FromMilliseconds(5) : s_idleWait);
                    continue;
                }

                _busy = true;
                _spaceSignal.Set();
                var block = _block.AsSpan(0, n);
                System.Numerics.Tensors.TensorPrimitives.Multiply(block, Volatile.Read(ref _gain), block);
                var fadedOut = ApplyFade(block);
                if (!WriteBlock(block))
                {
                    continue;
                }

                if (fadedOut)
                {
                    DropEverything(); // the ramp reached silence inside this block: the rest is not played
                    pacedFrames = 0;
                    continue;
                }

                if (_options.PaceInRealTime)
                {
                    if (pacedFrames == 0)
                    {
                        paceStart = _time.GetTimestamp();
                    }

                    pacedFrames += n;
                    var due = TimeSpan.FromSeconds((double)pacedFrames / _options.SampleRate / _options.PaceSpeed);
                    var wait = due - _time.GetElapsedTime(paceStart);

                    // Every enqueue releases _work, so one Wait can return at once: wait out the whole pace,
                    // waking early only for a stop (StopImmediately releases _work too) or disposal.
                    while (wait > TimeSpan.Zero && Volatile.Read(ref _stopRequests) == stopsHandled && !_stop.IsSet)
                    {
                        _work.Wait(wait);
                        wait = due - _time.GetElapsedTime(paceStart);
                    }
                }

                UpdateHeard();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPlaybackFailed(_logger, _options.Device, ex);
        }
        finally
        {
            _busy = false;
            _fading = false;
            _threadEnded = true;
            _idleSignal.Set();
            _spaceSignal.Set();
        }
    }

    private static SafeAlsaPcmHandle PcmHandle(AlsaPcm pcm) => pcm.Handle;

    private bool ApplyFade(Span<float> block)
    {
        var requested = Interlocked.Exchange(ref _fadeFramesRequested, 0);
        if (requested > 0)
        {
            _fadeStep = _fadeGain / requested;
        }

        if (!_fading)
        {
            return false;
        }

        for (var i = 0; i < block.Length; i++)
        {
            _fadeGain = MathF.Max(0f, _fadeGain - _fadeStep);
            block[i] *= _fadeGain;
        }

        return _fadeGain <= 0f;
    }

    private void DropEverything()
    {
        _queue.Clear();
        if (_pcm is { } pcm)
        {
            _ = Interop.Alsa.snd_pcm_drop(pcm.Handle);
            _ = Interop.Alsa.snd_pcm_prepare(pcm.Handle);
        }

        Interlocked.Exchange(ref _framesWritten, 0);
        Interlocked.Exchange(ref _framesHeard, 0);
        _fadeGain = 1f;
        _fading = false;
        _busy = false;
        _idleSignal.Set();
        _spaceSignal.Set();
    }

    private bool WriteBlock(ReadOnlySpan<float> mono)
    {
        var pcm = _pcm!;
        ReadOnlySpan<float> frames = mono;
        if (pcm.Accepted.Channels == 2)
        {
            for (var i = 0; i < mono.Length; i++)
            {
                _interleaved[2 * i] = mono[i];
                _interleaved[(2 * i) + 1] = mono[i];
            }

            frames = _interleaved.AsSpan(0, mono.Length * 2);
        }

        var bytes = _bytes.AsSpan(0, frames.Length * 2);
        SampleConverter.FloatToS16(frames, bytes);
        var done = 0;
        while (done < mono.Length)
        {
            var rc = pcm.Write(bytes[(done * pcm.Accepted.FrameBytes)..], mono.Length - done);
            if (rc >= 0)
            {
                done += rc;
                Interlocked.Add(ref _framesWritten, rc);
                continue;
            }

            if (rc == -EAGAIN)
            {
                continue;
            }

            if (rc is -EPIPE or -ESTRPIPE or -EINTR && pcm.Recover(rc) >= 0)
            {
                Interlocked.Increment(ref _underruns);
                Raise(new AudioDeviceEventArgs(AudioDeviceEventKind.Recovered, _options.Device, pcm.Error(rc, "snd_pcm_writei")));
                continue;
            }

            var error = pcm.Error(rc, "snd_pcm_writei");
            LogLost(_logger, _options.Device, error.Message);
            _pcm = null;
            pcm.Dispose();
            Raise(new AudioDeviceEventArgs(AudioDeviceEventKind.Lost, _options.Device, error));
            return false;
        }

        return true;
    }

    private void UpdateHeard()
    {
        if (_pcm is { } pcm)
        {
            var heard = Interlocked.Read(ref _framesWritten) - (_options.PaceInRealTime ? 0 : pcm.Delay());
            Interlocked.Exchange(ref _framesHeard, Math.Max(0, heard));
        }
    }

    private bool TryOpen(ref ReopenBackoff backoff, bool everOpened)
    {
        try
        {
            var pcm = AlsaPcm.Open(_options.Device, AlsaStreamDirection.Playback, _settings, _options.ConfigurationFile);

            var period = pcm.Accepted.PeriodFrames;
            if (_block.Length < period)
            {
                _block = new float[period];
                _interleaved = new float[period * 2];
                _bytes = GC.AllocateArray<byte>(period * 4, pinned: true);
            }

            _pcm = pcm;
            _deviceMissing = false;
            Raise(new AudioDeviceEventArgs(everOpened ? AudioDeviceEventKind.Reopened : AudioDeviceEventKind.Opened, _options.Device, attempt: backoff.Attempt));
            LogOpened(_logger, _options.Device, pcm.Accepted.SampleRate, pcm.Accepted.Channels, period);
            backoff.Reset();
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

            Raise(new AudioDeviceEventArgs(AudioDeviceEventKind.ReopenFailed, _options.Device, error, backoff.Attempt, delay));
            _deviceMissing = true;
            _queue.Clear(); // nobody can hear it; do not block writers
            _busy = false;
            _idleSignal.Set();
            _spaceSignal.Set();
            _stop.Wait(delay);
            return false;
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
            LogPlaybackFailed(_logger, _options.Device, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Playback device {Device} open: {Rate} Hz {Channels} ch, period {Period} frames")]
    private static partial void LogOpened(ILogger logger, string device, int rate, int channels, int period);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Playback device {Device} cannot be opened ({Error}); retrying in {Delay}, quietly")]
    private static partial void LogOpenFailed(ILogger logger, string device, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Playback device {Device} lost: {Error}; reopening with backoff")]
    private static partial void LogLost(ILogger logger, string device, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Playback on {Device}: unexpected error")]
    private static partial void LogPlaybackFailed(ILogger logger, string device, Exception exception);
}
